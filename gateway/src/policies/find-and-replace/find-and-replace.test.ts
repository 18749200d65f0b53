import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { findAndReplaceExample } from './example.js';

describe('find-and-replace', () => {
  it('accepts the example', () => {
    expect(configErrors('find-and-replace', findAndReplaceExample)).toEqual([]);
  });

  it('refuses an empty search string', () => {
    expect(configErrors('find-and-replace', { from: '', to: 'x' })).toEqual([{ path: 'from', message: containing('>=1') }]);
  });
});
