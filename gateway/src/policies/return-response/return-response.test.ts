import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { returnResponseExample } from './example.js';

describe('return-response', () => {
  it('accepts the example', () => {
    expect(configErrors('return-response', returnResponseExample)).toEqual([]);
  });

  it('checks the nested status, headers and body', () => {
    expect(
      configErrors('return-response', {
        'set-status': { code: 1000 },
        'set-header': [{ name: 'x-a' }],
        'set-body': { value: 42 },
      }),
    ).toEqual([
      { path: 'set-status.code', message: containing('<=599') },
      { path: 'set-header[0]', message: "'value' is required unless exists-action is 'delete'" },
      { path: 'set-body.value', message: containing('expected string') },
    ]);
  });
});
