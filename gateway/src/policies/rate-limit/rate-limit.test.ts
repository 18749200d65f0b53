import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { rateLimitExample } from './example.js';

describe('rate-limit', () => {
  it('accepts the example', () => {
    expect(configErrors('rate-limit', rateLimitExample)).toEqual([]);
  });

  it('refuses zero calls and windows beyond 300 seconds', () => {
    expect(configErrors('rate-limit', { calls: 0, 'renewal-period': 301 })).toEqual([
      { path: 'calls', message: containing('>0') },
      { path: 'renewal-period', message: containing('<=300') },
    ]);
  });

  it('refuses expressions, which Azure does not allow here', () => {
    expect(configErrors('rate-limit', { calls: '@(100)', 'renewal-period': 60 })).toEqual([
      { path: 'calls', message: containing('expected number') },
    ]);
  });

  it('requires a name or id on nested API limits', () => {
    expect(configErrors('rate-limit', { calls: 10, 'renewal-period': 60, api: [{ calls: 5, 'renewal-period': 60 }] })).toEqual([
      { path: 'api[0]', message: "set 'name' or 'id'" },
    ]);
  });
});
