import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_CACHE_BYTES, PolicyCache } from './policy-cache.js';

describe('PolicyCache', () => {
  it('is 64 MiB unless configured', () => {
    expect(new PolicyCache().maxBytes).toBe(DEFAULT_POLICY_CACHE_BYTES);
    expect(DEFAULT_POLICY_CACHE_BYTES).toBe(64 * 1024 * 1024);
    expect(() => new PolicyCache({ maxBytes: 0 })).toThrow(RangeError);
  });

  it('expires entries after their time to live', () => {
    let now = 0;
    const cache = new PolicyCache({ now: () => now });
    cache.set('a', 'A', 1, 1000);
    now = 999;
    expect(cache.get('a')).toBe('A');
    now = 1000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('evicts the least recently used entries to stay within its bytes, keys and overhead counted', () => {
    const cache = new PolicyCache({ maxBytes: 1000, maxEntryBytes: 1000 });
    cache.set('a', 'A', 200, 60_000);
    const perEntry = cache.bytes;
    expect(perEntry).toBeGreaterThan(200);
    cache.set('b', 'B', 200, 60_000);
    cache.set('c', 'C', 200, 60_000);
    expect(cache.get('a')).toBe('A');
    cache.set('d', 'D', 200, 60_000);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual(['A', 'C', 'D']);
    expect(cache.bytes).toBeLessThanOrEqual(1000);
  });

  it('refuses an entry larger than maxEntryBytes and keeps the old one', () => {
    const cache = new PolicyCache({ maxBytes: 4000 });
    expect(cache.maxEntryBytes).toBe(1000);
    cache.set('a', 'old', 10, 60_000);
    expect(cache.set('a', 'new', 2000, 60_000)).toBe(false);
    expect(cache.get('a')).toBe('old');
  });

  it('replaces and deletes entries, keeping the byte count exact', () => {
    const cache = new PolicyCache();
    cache.set('a', 1, 100, 60_000);
    cache.set('a', 2, 50, 60_000);
    cache.set('b', 3, 10, 60_000);
    expect(cache.get('a')).toBe(2);
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    cache.delete('b');
    expect(cache.bytes).toBe(0);
  });
});
