import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { cacheLookupExample } from './example.js';

describe('cache-lookup', () => {
  it('accepts the example', () => {
    expect(configErrors('cache-lookup', cacheLookupExample)).toEqual([]);
  });

  it('refuses an unknown caching type and downstream caching type', () => {
    expect(configErrors('cache-lookup', { 'caching-type': 'redis', 'downstream-caching-type': 'shared' })).toEqual([
      { path: 'caching-type', message: containing('"internal"|"external"|"prefer-external"') },
      { path: 'downstream-caching-type', message: containing('"none"|"private"|"public"') },
    ]);
  });

  it('refuses the external cache, which Portico gateways do not have', () => {
    expect(configErrors('cache-lookup', { 'caching-type': 'external' })).toEqual([
      { path: 'caching-type', message: containing("use 'internal' or 'prefer-external'") },
    ]);
    expect(configErrors('cache-lookup', { 'caching-type': 'prefer-external' })).toEqual([]);
  });
});
