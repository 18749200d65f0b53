import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { cacheStoreValueExample } from './example.js';

describe('cache-store-value', () => {
  it('accepts the example', () => {
    expect(configErrors('cache-store-value', cacheStoreValueExample)).toEqual([]);
  });

  it('requires a positive duration and a key expression returning a string', () => {
    expect(configErrors('cache-store-value', { key: '@(request.url.port)', value: 'x', duration: -1 })).toEqual([
      { path: 'key', message: 'invalid expression: the expression returns int, expected string' },
      { path: 'duration', message: containing('>0') },
    ]);
  });

  it('refuses the external cache', () => {
    expect(configErrors('cache-store-value', { key: 'k', value: 'v', duration: 5, 'caching-type': 'external' })).toEqual([
      { path: 'caching-type', message: containing('an external cache is not available') },
    ]);
  });
});
