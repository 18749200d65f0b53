import { describe, expect, it } from 'vitest';
import { policyCatalogue } from '../catalogue.js';
import { configErrors } from '../testing.js';
import { forwardRequestExample } from './example.js';

describe('forward-request', () => {
  it('accepts the example', () => {
    expect(configErrors('forward-request', forwardRequestExample)).toEqual([]);
  });

  it('fills in the defaults', () => {
    expect(policyCatalogue['forward-request'].schema.parse({})).toEqual({
      'http-version': '1',
      'follow-redirects': false,
      'buffer-request-body': false,
      'buffer-response': true,
      'fail-on-error-status-code': false,
    });
  });

  it('refuses timeout together with timeout-ms, and a numeric http-version', () => {
    expect(configErrors('forward-request', { timeout: 10, 'timeout-ms': 500 })).toEqual([
      { path: '', message: "set at most one of 'timeout', 'timeout-ms'" },
    ]);
    expect(configErrors('forward-request', { 'http-version': 2 })).toEqual([
      { path: 'http-version', message: "expected '1', '2' or '2or1' (as a string)" },
    ]);
  });
});
