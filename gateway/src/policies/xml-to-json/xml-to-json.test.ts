import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { xmlToJsonExample } from './example.js';

describe('xml-to-json', () => {
  it('accepts the example', () => {
    expect(configErrors('xml-to-json', xmlToJsonExample)).toEqual([]);
  });

  it('requires kind and apply', () => {
    expect(configErrors('xml-to-json', { kind: 'friendly', apply: 'always' })).toEqual([
      { path: 'kind', message: containing('"javascript-friendly"|"direct"') },
    ]);
  });
});
