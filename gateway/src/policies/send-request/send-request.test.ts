import { describe, expect, it } from 'vitest';
import { policyCatalogue } from '../catalogue.js';
import { configErrors, containing } from '../testing.js';
import { sendRequestExample } from './example.js';

describe('send-request', () => {
  it('accepts the example', () => {
    expect(configErrors('send-request', sendRequestExample)).toEqual([]);
  });

  it('requires a URL and a method for a new request', () => {
    expect(configErrors('send-request', { 'response-variable-name': 'r' })).toEqual([
      { path: 'set-url', message: "'set-url' is required when mode is 'new'" },
      { path: 'set-method', message: "'set-method' is required when mode is 'new'" },
    ]);
    expect(configErrors('send-request', { mode: 'copy', 'response-variable-name': 'r' })).toEqual([]);
  });

  it('refuses non-http URLs', () => {
    expect(configErrors('send-request', { 'response-variable-name': 'r', 'set-url': 'gopher://x', 'set-method': 'GET' })).toEqual(
      [{ path: 'set-url', message: containing('http:// or https://') }],
    );
  });

  it('documents the SSRF guard', () => {
    expect(policyCatalogue['send-request'].description).toContain('SSRF');
  });
});
