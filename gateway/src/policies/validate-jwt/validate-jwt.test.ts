import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { validateJwtExample } from './example.js';

describe('validate-jwt', () => {
  it('accepts the example', () => {
    expect(configErrors('validate-jwt', validateJwtExample)).toEqual([]);
  });

  it('requires exactly one place to take the token from', () => {
    const keys = { 'issuer-signing-keys': [{ value: 'c2VjcmV0' }] };
    expect(configErrors('validate-jwt', keys)).toEqual([
      { path: '', message: "set exactly one of 'header-name', 'query-parameter-name', 'token-value'" },
    ]);
    expect(configErrors('validate-jwt', { ...keys, 'header-name': 'Authorization', 'query-parameter-name': 'token' })).toEqual([
      { path: '', message: "set exactly one of 'header-name', 'query-parameter-name', 'token-value'" },
    ]);
  });

  it('refuses to require signed tokens without saying which keys to trust', () => {
    expect(configErrors('validate-jwt', { 'header-name': 'Authorization' })).toEqual([
      { path: '', message: containing("no 'openid-config' or 'issuer-signing-keys'") },
    ]);
  });

  it('refuses a plain-http discovery URL and an incomplete RSA key', () => {
    expect(
      configErrors('validate-jwt', {
        'header-name': 'Authorization',
        'openid-config': [{ url: 'http://login.example.com/.well-known/openid-configuration' }],
        'issuer-signing-keys': [{ n: 'AQAB' }],
      }),
    ).toEqual([
      { path: 'openid-config[0].url', message: 'expected an absolute https:// URL' },
      { path: 'issuer-signing-keys[0]', message: "give the key as exactly one of 'value', 'certificate-id', or 'n' with 'e'" },
    ]);
  });

  it('refuses require-scheme without a header, and keys that are not base64', () => {
    expect(
      configErrors('validate-jwt', {
        'query-parameter-name': 'token',
        'require-scheme': 'Bearer',
        'issuer-signing-keys': [{ value: 'not base64!' }, { value: '{{jwt-signing-key}}' }],
        'decryption-keys': [{ value: 'c2VjcmV0LWtleS0xMjM0NTY3ODkwMTIzNDU2Nzg5MA==' }, { value: '***' }],
      }),
    ).toEqual([
      { path: 'issuer-signing-keys[0].value', message: 'expected the key in base64, or a {{named value}} holding it' },
      { path: 'decryption-keys[1].value', message: 'expected the key in base64, or a {{named value}} holding it' },
      { path: 'require-scheme', message: "'require-scheme' applies to a token read from a header: set 'header-name'" },
    ]);
  });
});
