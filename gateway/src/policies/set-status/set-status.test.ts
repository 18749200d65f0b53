import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { setStatusExample } from './example.js';

describe('set-status', () => {
  it('accepts the example', () => {
    expect(configErrors('set-status', setStatusExample)).toEqual([]);
  });

  it('refuses a status code outside 100–599', () => {
    expect(configErrors('set-status', { code: 42 })).toEqual([{ path: 'code', message: containing('>=100') }]);
  });

  it('accepts an integer expression and refuses a string one', () => {
    expect(configErrors('set-status', { code: '@(response.status)' })).toEqual([]);
    expect(configErrors('set-status', { code: '@(response.statusReason)' })).toEqual([
      { path: 'code', message: 'invalid expression: the expression returns string, expected int' },
    ]);
  });
});
