import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { rateLimitByKeyExample } from './example.js';

describe('rate-limit-by-key', () => {
  it('accepts the example', () => {
    expect(configErrors('rate-limit-by-key', rateLimitByKeyExample)).toEqual([]);
  });

  it('requires a counter key', () => {
    expect(configErrors('rate-limit-by-key', { calls: 10, 'renewal-period': 60 })).toEqual([
      { path: 'counter-key', message: containing('expected string') },
    ]);
  });

  it('type-checks expressions against what each attribute needs', () => {
    expect(
      configErrors('rate-limit-by-key', {
        calls: '@(request.ip)',
        'renewal-period': 60,
        'counter-key': '@(request.url.port)',
        'increment-condition': '@(response.status)',
      }),
    ).toEqual([
      { path: 'calls', message: 'invalid expression: the expression returns string, expected int' },
      { path: 'counter-key', message: 'invalid expression: the expression returns int, expected string' },
      { path: 'increment-condition', message: 'invalid expression: the expression returns int, expected bool' },
    ]);
  });

  it('refuses an increment larger than the limit, which would refuse every call', () => {
    expect(
      configErrors('rate-limit-by-key', { calls: 5, 'renewal-period': 60, 'counter-key': 'k', 'increment-count': 6 }),
    ).toEqual([
      { path: 'increment-count', message: 'increment-count (6) is larger than calls (5): every call would be refused' },
    ]);
    expect(
      configErrors('rate-limit-by-key', { calls: '@(10)', 'renewal-period': 60, 'counter-key': 'k', 'increment-count': 6 }),
    ).toEqual([]);
  });
});
