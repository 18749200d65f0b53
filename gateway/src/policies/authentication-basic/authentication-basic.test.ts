import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { authenticationBasicExample } from './example.js';

describe('authentication-basic', () => {
  it('accepts the example', () => {
    expect(configErrors('authentication-basic', authenticationBasicExample)).toEqual([]);
  });

  it('refuses a user name with a colon (RFC 7617)', () => {
    expect(configErrors('authentication-basic', { username: 'a:b', password: 'p' })).toEqual([
      { path: 'username', message: 'a Basic user name cannot contain ":"' },
    ]);
  });

  it('requires a password', () => {
    expect(configErrors('authentication-basic', { username: 'a' })).toEqual([
      { path: 'password', message: containing('expected string') },
    ]);
  });
});
