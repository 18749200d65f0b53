import { describe, expect, it } from 'vitest';
import { FieldMap } from '../pipeline/field-map.js';
import { responseHeaderFields, responseHeaders } from './forward-headers.js';
import { randomHex } from './random-hex.js';
import { nextTraceparent } from './trace-context.js';

const raw = (...pairs: string[]): Buffer[] => pairs.map((text) => Buffer.from(text, 'latin1'));

describe('responseHeaders', () => {
  it('drops hop-by-hop, proxy-* and the backend request id in any case, keeps the rest as spelled', () => {
    const dropped = [
      'Connection',
      'KEEP-ALIVE',
      'te',
      'Trailer',
      'UPGRADE',
      'Transfer-Encoding',
      'X-Request-Id',
      'Proxy-Connection',
      'proxy-authenticate',
      'Proxy-X',
    ];
    const kept = ['Content-Type', 'content-length', 'Date', 'X-Custom', 'Teapot', 'Cache', 'Xx', 'Proxy', 'p', 'K', 'Upgrades'];
    const out = responseHeaders(raw(...[...dropped, ...kept].flatMap((name) => [name, `v ${name}`])), 'rid-1');
    expect(out).toEqual([...kept.flatMap((name) => [name, `v ${name}`]), 'x-request-id', 'rid-1']);
  });

  it('drops the headers the Connection header names', () => {
    const out = responseHeaders(raw('Connection', 'close, X-Custom, foo', 'X-CUSTOM', '1', 'Foo', '2', 'Bar', '3'), 'rid');
    expect(out).toEqual(['Bar', '3', 'x-request-id', 'rid']);
  });

  it('keeps latin1 values byte for byte', () => {
    expect(responseHeaders(raw('X-Name', 'caf\u00e9'), 'rid')).toEqual(['X-Name', 'caf\u00e9', 'x-request-id', 'rid']);
  });
});

describe('responseHeaderFields', () => {
  it.each([
    [['Content-Type', 'text/plain', 'X-Request-Id', 'theirs', 'Keep-Alive', 'timeout=5', 'Set-Cookie', 'a', 'set-cookie', 'b']],
    [['Connection', 'close, X-Custom, foo', 'X-CUSTOM', '1', 'Foo', '2', 'Bar', '3']],
    [['Proxy-X', '1', 'X-Name', 'caf\u00e9', 'x-name', 'two']],
    [[]],
  ])('hold what responseHeaders sends, as a FieldMap that counts as unchanged: %j', (pairs) => {
    const fields = responseHeaderFields(raw(...pairs), 'rid');
    expect(fields.toFlat()).toEqual(FieldMap.fromFlat(responseHeaders(raw(...pairs), 'rid'), true).toFlat());
    expect(fields.changes).toBe(0);
  });
});

describe('random ids', () => {
  it('gives lower-case hex of the asked length, different each time, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const hex = randomHex(16);
      expect(hex).toMatch(/^[0-9a-f]{32}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(1000);
    expect(randomHex(4096)).toMatch(/^[0-9a-f]{8192}$/);
  });

  it('starts sampled traces with version 00 and a fresh trace and parent id', () => {
    const a = nextTraceparent(undefined);
    const b = nextTraceparent('garbage');
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(b).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.slice(3, 35)).not.toBe(b.slice(3, 35));
  });
});
