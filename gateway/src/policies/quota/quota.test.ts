import { describe, expect, it } from 'vitest';
import { configErrors } from '../testing.js';
import { quotaExample } from './example.js';

describe('quota', () => {
  it('accepts the example', () => {
    expect(configErrors('quota', quotaExample)).toEqual([]);
  });

  it('requires calls or bandwidth', () => {
    expect(configErrors('quota', { 'renewal-period': 3600 })).toEqual([
      { path: '', message: "set 'calls', 'bandwidth' or both" },
    ]);
  });

  it('accepts a period of 0, which never resets', () => {
    expect(configErrors('quota', { calls: 100, 'renewal-period': 0 })).toEqual([]);
  });

  it('checks nested API quotas', () => {
    expect(configErrors('quota', { calls: 100, 'renewal-period': 60, api: [{ name: 'orders', 'renewal-period': 60 }] })).toEqual([
      { path: 'api[0]', message: "set 'calls', 'bandwidth' or both" },
    ]);
  });
});
