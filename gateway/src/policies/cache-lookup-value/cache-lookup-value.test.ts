import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { cacheLookupValueExample } from './example.js';

describe('cache-lookup-value', () => {
  it('accepts the example', () => {
    expect(configErrors('cache-lookup-value', cacheLookupValueExample)).toEqual([]);
  });

  it('requires a key and a variable name', () => {
    expect(configErrors('cache-lookup-value', { key: 'rates' }).map((error) => error.path)).toEqual(['variable-name']);
    expect(configErrors('cache-lookup-value', { 'variable-name': 'rates' }).map((error) => error.path)).toEqual(['key']);
  });

  it('refuses the external cache', () => {
    expect(configErrors('cache-lookup-value', { key: 'k', 'variable-name': 'v', 'caching-type': 'external' })).toEqual([
      { path: 'caching-type', message: containing('an external cache is not available') },
    ]);
  });
});
