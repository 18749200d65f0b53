import { describe, expect, it } from 'vitest';
import { SegmentRouter } from './operation-router.js';
import { parseUrlTemplate, type TemplateSegment } from './url-template.js';

function segments(template: string): TemplateSegment[] {
  const parsed = parseUrlTemplate(template);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.segments;
}

describe('URL templates and the segment router', () => {
  it('parses literals, parameters, a trailing wildcard, and ignores the query part', () => {
    expect(segments('/users/{id}/files/{*path}?x={x}')).toEqual([
      { kind: 'literal', text: 'users' },
      { kind: 'param', name: 'id' },
      { kind: 'literal', text: 'files' },
      { kind: 'wildcard', name: 'path' },
    ]);
    expect(segments('/')).toEqual([]);
  });

  it('refuses repeated parameters and empty segments', () => {
    expect(parseUrlTemplate('/a/{id}/{id}')).toEqual({ ok: false, reason: "parameter 'id' appears twice" });
    expect(parseUrlTemplate('/a//b')).toEqual({ ok: false, reason: 'has an empty segment (//)' });
  });

  it('matches literal before parameter before wildcard, backtracking out of dead ends', () => {
    const router = new SegmentRouter<string>();
    router.add(segments('/users/me'), 'me');
    router.add(segments('/users/{id}'), 'user');
    router.add(segments('/users/{id}/posts'), 'posts');
    router.add(segments('/users/{*rest}'), 'rest');
    expect(router.match('/users/me', 0)).toBe('me');
    expect(router.match('/users/me/posts', 0)).toBe('posts');
    expect(router.match('/users/7', 0)).toBe('user');
    expect(router.match('/users/7/', 0)).toBe('user');
    expect(router.match('/users/7/other/x', 0)).toBe('rest');
    expect(router.match('/nope', 0)).toBeUndefined();
  });
});
