import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { setMethodExample } from './example.js';

describe('set-method', () => {
  it('accepts the example', () => {
    expect(configErrors('set-method', setMethodExample)).toEqual([]);
  });

  it('requires an uppercase method', () => {
    expect(configErrors('set-method', { method: 'post' })).toEqual([{ path: 'method', message: containing('uppercase') }]);
  });
});
