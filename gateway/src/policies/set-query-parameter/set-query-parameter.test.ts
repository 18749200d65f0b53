import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { setQueryParameterExample } from './example.js';

describe('set-query-parameter', () => {
  it('accepts the example', () => {
    expect(configErrors('set-query-parameter', setQueryParameterExample)).toEqual([]);
  });

  it('requires a name and values unless deleting', () => {
    expect(configErrors('set-query-parameter', { name: '', value: ['1'] })).toEqual([
      { path: 'name', message: containing('>=1') },
    ]);
    expect(configErrors('set-query-parameter', { name: 'debug' })).toEqual([
      { path: '', message: "'value' is required unless exists-action is 'delete'" },
    ]);
  });
});
