import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { cacheStoreExample } from './example.js';

describe('cache-store', () => {
  it('accepts the example', () => {
    expect(configErrors('cache-store', cacheStoreExample)).toEqual([]);
  });

  it('requires a positive duration', () => {
    expect(configErrors('cache-store', { duration: 0 })).toEqual([{ path: 'duration', message: containing('>0') }]);
  });

  it('needs a boolean cache-response expression', () => {
    expect(configErrors('cache-store', { duration: 60, 'cache-response': '@(response.status)' })).toEqual([
      { path: 'cache-response', message: 'invalid expression: the expression returns int, expected bool' },
    ]);
  });
});
