import { describe, expect, it } from 'vitest';
import { detectFormat, parseSource } from './source-text.js';
import { containing } from './testing.js';

describe('detectFormat', () => {
  it('reads text opening with { or [ as JSON, anything else as YAML', () => {
    expect(detectFormat('\uFEFF  {"inbound": []}')).toBe('json');
    expect(detectFormat('inbound: []')).toBe('yaml');
    expect(detectFormat('# comment\n{}')).toBe('yaml');
  });
});

describe('parseSource', () => {
  it('locates a path in YAML on the line of its key or item', () => {
    const parsed = parseSource('inbound:\n  - rate-limit:\n      calls: 5\n');
    expect(parsed.ok && parsed.lineOf(['inbound', 0, 'rate-limit', 'calls'])).toBe(3);
    expect(parsed.ok && parsed.lineOf(['inbound', 0])).toBe(2);
  });

  it('falls back to the nearest written ancestor for a missing key', () => {
    const parsed = parseSource('inbound:\n  - rate-limit:\n      calls: 5\n');
    expect(parsed.ok && parsed.lineOf(['inbound', 0, 'rate-limit', 'renewal-period'])).toBe(2);
  });

  it('follows YAML aliases', () => {
    const parsed = parseSource('x: &limit\n  calls: 5\ninbound:\n  - rate-limit: *limit\n');
    expect(parsed.ok && parsed.lineOf(['inbound', 0, 'rate-limit', 'calls'])).toBe(2);
  });

  it('locates a path in JSON', () => {
    const parsed = parseSource('{\n  "inbound": [\n    { "quota": { "calls": 5 } }\n  ]\n}');
    expect(parsed.ok && parsed.lineOf(['inbound', 0, 'quota', 'calls'])).toBe(3);
  });

  it('reports JSON syntax errors with their line', () => {
    expect(parseSource('{\n  "inbound": [\n    { "quota": { "calls": tru } }\n  ]\n}')).toEqual({
      ok: false,
      problems: [{ line: 3, message: containing('invalid JSON') }],
    });
    expect(parseSource('{\n  "inbound": [],\n}')).toEqual({
      ok: false,
      problems: [{ line: 3, message: containing('invalid JSON') }],
    });
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(parseSource('inbound:\n  - quota: { calls: 5\nbackend: []\n')).toMatchObject({ ok: false, problems: [{ line: 3 }] });
    expect(parseSource('inbound: []\ninbound: []\n')).toEqual({
      ok: false,
      problems: [{ line: 2, message: 'invalid YAML: Map keys must be unique' }],
    });
  });

  it('refuses alias expansion bombs', () => {
    // Nine levels of ten references each: 10^9 nodes if expanded.
    const lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 8; i++) lines.push(`l${i}: &l${i} [${new Array(10).fill(`*l${i - 1}`).join(', ')}]`);
    const bomb = lines.join('\n');
    expect(parseSource(bomb)).toMatchObject({ ok: false, problems: [{ message: containing('invalid YAML') }] });
  });
});
