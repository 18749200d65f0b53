import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { quotaByKeyExample } from './example.js';

describe('quota-by-key', () => {
  it('accepts the example', () => {
    expect(configErrors('quota-by-key', quotaByKeyExample)).toEqual([]);
  });

  it('requires a counter key and calls or bandwidth', () => {
    expect(configErrors('quota-by-key', { 'renewal-period': 3600 })).toEqual([
      { path: 'counter-key', message: containing('expected string') },
    ]);
    expect(configErrors('quota-by-key', { 'renewal-period': 3600, 'counter-key': 'all' })).toEqual([
      { path: '', message: "set 'calls', 'bandwidth' or both" },
    ]);
  });

  it('refuses a first period start that is not an ISO date-time', () => {
    expect(
      configErrors('quota-by-key', { calls: 5, 'renewal-period': 60, 'counter-key': 'k', 'first-period-start': 'tomorrow' }),
    ).toEqual([{ path: 'first-period-start', message: containing('datetime') }]);
  });
});
