import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { corsExample } from './example.js';

describe('cors', () => {
  it('accepts the example', () => {
    expect(configErrors('cors', corsExample)).toEqual([]);
  });

  it('refuses origins with a path and a wildcard mixed with others', () => {
    expect(configErrors('cors', { 'allowed-origins': ['https://app.example.com/login'] })).toEqual([
      { path: 'allowed-origins[0]', message: containing('no path') },
    ]);
    expect(configErrors('cors', { 'allowed-origins': ['*', 'https://app.example.com'] })).toEqual([
      { path: 'allowed-origins', message: "'*' must be the only allowed origin" },
    ]);
  });

  it('refuses credentials with the wildcard origin, which browsers reject', () => {
    expect(configErrors('cors', { 'allow-credentials': true, 'allowed-origins': ['*'] })).toEqual([
      { path: 'allowed-origins', message: "allow-credentials cannot be used with the '*' origin; list the origins" },
    ]);
  });

  it('refuses lowercase methods', () => {
    expect(configErrors('cors', { 'allowed-origins': ['https://a.example'], 'allowed-methods': ['get'] })).toEqual([
      { path: 'allowed-methods[0]', message: containing('uppercase') },
    ]);
  });

  it("refuses '*' mixed with listed methods or headers", () => {
    expect(
      configErrors('cors', {
        'allowed-origins': ['*'],
        'allowed-methods': ['*', 'GET'],
        'allowed-headers': ['content-type', '*'],
      }),
    ).toEqual([
      { path: 'allowed-methods', message: "'*' must be the only item of allowed-methods" },
      { path: 'allowed-headers', message: "'*' must be the only item of allowed-headers" },
    ]);
  });
});
