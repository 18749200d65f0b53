import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { retryExample } from './example.js';

describe('retry', () => {
  it('accepts the example, which forwards the request, in backend', () => {
    expect(configErrors('retry', retryExample, 'backend')).toEqual([]);
  });

  it('caps count at 50 and needs delta for max-interval', () => {
    expect(configErrors('retry', { condition: true, count: 51, interval: 1, statements: [] })).toEqual([
      { path: 'count', message: containing('<=50') },
    ]);
    expect(configErrors('retry', { condition: true, count: 3, interval: 10, 'max-interval': 5, statements: [] })).toEqual([
      { path: 'max-interval', message: "'max-interval' needs 'delta'" },
      { path: 'max-interval', message: "'max-interval' must not be less than 'interval'" },
    ]);
  });

  it('checks nested statements', () => {
    expect(configErrors('retry', { condition: true, count: 1, interval: 0, statements: [{ 'set-status': {} }] })).toEqual([
      { path: 'statements[0].set-status.code', message: containing('expected number') },
    ]);
  });
});
