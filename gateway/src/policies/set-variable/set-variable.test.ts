import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { setVariableExample } from './example.js';

describe('set-variable', () => {
  it('accepts the example', () => {
    expect(configErrors('set-variable', setVariableExample)).toEqual([]);
  });

  it('accepts literals of any scalar type and expressions of any type', () => {
    expect(configErrors('set-variable', { name: 'count', value: 3 })).toEqual([]);
    expect(configErrors('set-variable', { name: 'claims', value: '@(jwt)' })).toEqual([]);
  });

  it('refuses a name that expressions cannot read back, and object values', () => {
    expect(configErrors('set-variable', { name: '1st', value: { a: 1 } })).toEqual([
      { path: 'name', message: containing('expected a variable name') },
      { path: 'value', message: containing('expected string') },
    ]);
  });
});
