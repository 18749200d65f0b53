import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { ipFilterExample } from './example.js';

describe('ip-filter', () => {
  it('accepts the example', () => {
    expect(configErrors('ip-filter', ipFilterExample)).toEqual([]);
  });

  it('requires at least one address or range', () => {
    expect(configErrors('ip-filter', { action: 'allow' })).toEqual([
      { path: '', message: "list at least one 'address' or 'address-range'" },
    ]);
  });

  it('refuses malformed addresses and reversed or mixed-version ranges', () => {
    expect(
      configErrors('ip-filter', {
        action: 'forbid',
        address: ['10.0.0.256'],
        'address-range': [
          { from: '10.0.0.9', to: '10.0.0.1' },
          { from: '10.0.0.1', to: '::1' },
        ],
      }),
    ).toEqual([
      { path: 'address[0]', message: 'expected an IPv4 or IPv6 address' },
      { path: 'address-range[0]', message: "'from' must not come after 'to'" },
      { path: 'address-range[1]', message: "'from' and 'to' must be of the same IP version" },
    ]);
  });

  it('refuses an action other than allow or forbid', () => {
    expect(configErrors('ip-filter', { action: 'deny', address: ['10.0.0.1'] })).toEqual([
      { path: 'action', message: containing('"allow"|"forbid"') },
    ]);
  });
});
