import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { validatePolicyDocument } from '../validate-policy-document.js';
import { setHeaderExample } from './example.js';

describe('set-header', () => {
  it('accepts the example', () => {
    expect(configErrors('set-header', setHeaderExample)).toEqual([]);
  });

  it('requires values unless the header is deleted', () => {
    expect(configErrors('set-header', { name: 'x-a' })).toEqual([
      { path: '', message: "'value' is required unless exists-action is 'delete'" },
    ]);
    expect(configErrors('set-header', { name: 'x-powered-by', 'exists-action': 'delete' })).toEqual([]);
  });

  it('refuses an unknown exists-action', () => {
    expect(configErrors('set-header', { name: 'x-a', 'exists-action': 'replace', value: ['1'] })).toEqual([
      { path: 'exists-action', message: containing('"override"|"skip"|"append"|"delete"') },
    ]);
  });

  it('reports an expression error at the value with its position', () => {
    const result = validatePolicyDocument({ outbound: [{ 'set-header': { name: 'x-a', value: ['@(response.statuss)'] } }] });
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          path: 'outbound[0].set-header.value[0]',
          message: 'invalid expression: No such key: statuss (at character 12)',
          position: { start: 11, end: 18 },
        },
      ],
    });
  });
});
