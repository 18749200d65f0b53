import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, hashPassword, hashToken, newSecretToken, verifyPassword } from './secrets.js';

describe('passwords', () => {
  it('hash with scrypt and a random salt, and verify', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery staple', a)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', a)).toBe(false);
    expect(await verifyPassword('anything', 'not-a-hash')).toBe(false);
  });
});

describe('tokens', () => {
  it('carry 256 random bits and hash to SHA-256 hex', () => {
    const token = newSecretToken('ptk');
    expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(newSecretToken('ptk')).not.toBe(token);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));
  it('round-trips and never repeats a ciphertext', () => {
    const sealed = box.seal('the invitation link');
    expect(sealed).not.toContain('invitation');
    expect(box.seal('the invitation link')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('the invitation link');
  });
  it('refuses tampered data and the wrong key', () => {
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  });
});
