import { describe, expect, it } from 'vitest';
import { configErrors } from '../testing.js';
import { baseExample } from './example.js';

describe('base', () => {
  it('accepts the example', () => {
    expect(configErrors('base', baseExample)).toEqual([]);
  });

  it('takes no settings', () => {
    expect(configErrors('base', null)).toEqual([]);
    expect(configErrors('base', { scope: 'api' })).toEqual([{ path: 'scope', message: "unknown attribute 'scope'" }]);
  });
});
