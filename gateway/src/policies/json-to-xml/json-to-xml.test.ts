import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { jsonToXmlExample } from './example.js';

describe('json-to-xml', () => {
  it('accepts the example', () => {
    expect(configErrors('json-to-xml', jsonToXmlExample)).toEqual([]);
  });

  it('requires apply and refuses a multi-character namespace separator', () => {
    expect(configErrors('json-to-xml', { 'namespace-separator': '::' })).toEqual([
      { path: 'apply', message: containing('"always"|"content-type-json"') },
      { path: 'namespace-separator', message: containing('exactly 1') },
    ]);
  });
});
