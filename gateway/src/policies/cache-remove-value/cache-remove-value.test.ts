import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { cacheRemoveValueExample } from './example.js';

describe('cache-remove-value', () => {
  it('accepts the example', () => {
    expect(configErrors('cache-remove-value', cacheRemoveValueExample)).toEqual([]);
  });

  it('requires a non-empty key', () => {
    expect(configErrors('cache-remove-value', { key: '' })).toEqual([{ path: 'key', message: containing('>=1') }]);
  });

  it('refuses the external cache', () => {
    expect(configErrors('cache-remove-value', { key: 'k', 'caching-type': 'external' })).toEqual([
      { path: 'caching-type', message: containing('an external cache is not available') },
    ]);
  });
});
