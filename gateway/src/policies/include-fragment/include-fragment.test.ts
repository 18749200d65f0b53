import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { includeFragmentExample } from './example.js';

describe('include-fragment', () => {
  it('accepts the example', () => {
    expect(configErrors('include-fragment', includeFragmentExample)).toEqual([]);
  });

  it('requires a well-formed fragment id', () => {
    expect(configErrors('include-fragment', { 'fragment-id': 'has space' })).toEqual([
      { path: 'fragment-id', message: containing('expected a fragment id') },
    ]);
  });
});
