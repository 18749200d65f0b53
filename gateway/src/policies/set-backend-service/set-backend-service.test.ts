import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { setBackendServiceExample } from './example.js';

describe('set-backend-service', () => {
  it('accepts the example', () => {
    expect(configErrors('set-backend-service', setBackendServiceExample)).toEqual([]);
  });

  it('requires exactly one of base-url and backend-id', () => {
    expect(configErrors('set-backend-service', {})).toEqual([
      { path: '', message: "set exactly one of 'base-url', 'backend-id'" },
    ]);
    expect(configErrors('set-backend-service', { 'base-url': 'https://a.example', 'backend-id': 'b' })).toEqual([
      { path: '', message: "set exactly one of 'base-url', 'backend-id'" },
    ]);
  });

  it('refuses a base URL that is not http or https', () => {
    expect(configErrors('set-backend-service', { 'base-url': 'file:///etc/passwd' })).toEqual([
      { path: 'base-url', message: containing('http:// or https://') },
    ]);
  });
});
