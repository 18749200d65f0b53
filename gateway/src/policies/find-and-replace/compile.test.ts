import { describe, expect, it } from 'vitest';
import { runExchange, runInbound } from '../../pipeline/testing.js';
import { replaceAllBytes } from './compile.js';

describe('find-and-replace at run time', () => {
  it('replaces every occurrence in the request body, literally', async () => {
    const ctx = await runInbound(
      { inbound: [{ 'find-and-replace': { from: 'a.b', to: '$&' } }] },
      { method: 'POST', headers: ['content-length', '11'], body: Buffer.from('a.b axb a.b') },
    );
    expect(ctx.request.body?.toString()).toBe('$& axb $&');
    expect(ctx.request.headers.get('content-length')).toEqual(['9']);
  });

  it('replaces in the response in outbound, with expressions', async () => {
    const ctx = await runExchange(
      { outbound: [{ 'find-and-replace': { from: '@("internal" + ".local")', to: '@(request.headers["host"])' } }] },
      { headers: ['host', 'api.example.com'] },
      { backendResponse: { status: 200, body: '{"self":"http://internal.local/orders/1"}' } },
    );
    expect(ctx.response?.body?.toString()).toBe('{"self":"http://api.example.com/orders/1"}');
  });

  it('leaves a body without a match, and a compressed one, as it is', async () => {
    const body = Buffer.from('nothing here');
    const ctx = await runInbound({ inbound: [{ 'find-and-replace': { from: 'x', to: 'y' } }] }, { body });
    expect(ctx.request.body).toBe(body);
    const gzipped = await runExchange(
      { outbound: [{ 'find-and-replace': { from: 'a', to: 'b' } }] },
      {},
      { backendResponse: { status: 200, headers: ['content-encoding', 'gzip'], body: 'aaa' } },
    );
    expect(gzipped.response?.body?.toString()).toBe('aaa');
  });

  it('works on bytes, so a body in another encoding is kept where it does not match', () => {
    const latin1 = Buffer.from([0xe9, 0x41, 0x42, 0xe9]);
    expect(replaceAllBytes(latin1, Buffer.from('AB'), Buffer.from('C'))).toEqual(Buffer.from([0xe9, 0x43, 0xe9]));
    expect(replaceAllBytes(latin1, Buffer.from('Z'), Buffer.from('C'))).toBeUndefined();
  });
});
