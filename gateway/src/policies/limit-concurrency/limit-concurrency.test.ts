import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { limitConcurrencyExample } from './example.js';

describe('limit-concurrency', () => {
  it('accepts the example, which forwards the request, in backend', () => {
    expect(configErrors('limit-concurrency', limitConcurrencyExample, 'backend')).toEqual([]);
  });

  it('requires a positive max-count and statements', () => {
    expect(configErrors('limit-concurrency', { key: 'k', 'max-count': 0 })).toEqual([
      { path: 'max-count', message: containing('>0') },
      { path: 'statements', message: containing('expected array') },
    ]);
  });
});
