import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { GatewayViewSchema } from '@portico/proto';
import { describe, expect, it } from 'vitest';
import { BackupUnreadableError, readBackup, writeBackup } from './config-backup.js';

const address = { tenantId: 'ten_a', gatewayId: 'gw_a' };
const view = create(GatewayViewSchema, {
  ...address,
  revision: 9n,
  contentHash: 'abc',
  namedValues: [{ name: 'db-password', value: 'hunter2-very-secret' }],
  backends: [{ id: 'be_1', credentials: { authorization: 'Basic c2VjcmV0OnNlY3JldA==' } }],
});

describe('config backup', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-backup-'));
  const file = path.join(dir, 'gateway.backup');

  it('round-trips the view, is readable only by its owner and holds no secret in clear', async () => {
    await writeBackup(file, view, 'gwk_token-one');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const raw = readFileSync(file);
    expect(raw.includes('hunter2-very-secret')).toBe(false);
    expect(raw.includes('c2VjcmV0OnNlY3JldA')).toBe(false);
    const restored = await readBackup(file, 'gwk_token-one', address);
    expect(restored?.revision).toBe(9n);
    expect(restored?.namedValues[0]?.value).toBe('hunter2-very-secret');
  });

  it('refuses another token, another gateway and a damaged file with a reason', async () => {
    await writeBackup(file, view, 'gwk_token-one');
    await expect(readBackup(file, 'gwk_token-two', address)).rejects.toThrow(/cannot be decrypted with this access token/);
    await expect(readBackup(file, 'gwk_token-one', { ...address, gatewayId: 'gw_b' })).rejects.toBeInstanceOf(
      BackupUnreadableError,
    );
    const raw = readFileSync(file);
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 0xff;
    writeFileSync(file, raw);
    await expect(readBackup(file, 'gwk_token-one', address)).rejects.toThrow(/cannot be decrypted/);
    writeFileSync(file, 'not a backup');
    await expect(readBackup(file, 'gwk_token-one', address)).rejects.toThrow(/bad header/);
  });

  it('is absent before the first write', async () => {
    await expect(readBackup(path.join(dir, 'none'), 'gwk_x', address)).resolves.toBeUndefined();
  });
});
