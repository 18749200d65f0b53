import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { traceExample } from './example.js';

describe('trace', () => {
  it('accepts the example', () => {
    expect(configErrors('trace', traceExample)).toEqual([]);
  });

  it('requires a source and a message, and a known severity', () => {
    expect(configErrors('trace', { severity: 'debug' })).toEqual([
      { path: 'source', message: containing('expected string') },
      { path: 'severity', message: containing('"verbose"|"information"|"error"') },
      { path: 'message', message: containing('expected string') },
    ]);
  });
});
