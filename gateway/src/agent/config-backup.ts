import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { GatewayViewSchema, type GatewayView } from '@portico/proto';

/**
 * The last applied view on disk, so an agent restarted while the control plane or NATS is
 * unreachable can serve (DESIGN §6). It holds decrypted backend credentials and named values,
 * so it is sealed with AES-256-GCM under a key derived from the gateway's access token, written
 * with mode 0600 and replaced by an atomic rename (a crash leaves the old file or the new one).
 *
 * Layout: magic (6) | salt (16) | iv (12) | tag (16) | ciphertext.
 */
const MAGIC = Buffer.from('PGWB1\n');
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class BackupUnreadableError extends Error {
  override name = 'BackupUnreadableError';
}

function deriveKey(accessToken: string, salt: Buffer, view: { tenantId: string; gatewayId: string }): Buffer {
  const info = `portico-gateway-backup:${view.tenantId}:${view.gatewayId}`;
  return Buffer.from(hkdfSync('sha256', accessToken, salt, info, 32));
}

export function sealBackup(view: GatewayView, accessToken: string): Buffer {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(accessToken, salt, view), iv);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(toBinary(GatewayViewSchema, view)), cipher.final()]);
  return Buffer.concat([MAGIC, salt, iv, cipher.getAuthTag(), body]);
}

export function openBackup(sealed: Buffer, accessToken: string, address: { tenantId: string; gatewayId: string }): GatewayView {
  const header = MAGIC.length + SALT_BYTES + IV_BYTES + TAG_BYTES;
  if (sealed.length < header || !sealed.subarray(0, MAGIC.length).equals(MAGIC))
    throw new BackupUnreadableError('not a Portico gateway backup (bad header)');
  let offset = MAGIC.length;
  const salt = sealed.subarray(offset, (offset += SALT_BYTES));
  const iv = sealed.subarray(offset, (offset += IV_BYTES));
  const tag = sealed.subarray(offset, (offset += TAG_BYTES));
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(accessToken, salt, address), iv);
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(sealed.subarray(offset)), decipher.final()]);
  } catch {
    throw new BackupUnreadableError(
      'the backup cannot be decrypted with this access token (rotated token, another gateway, or a damaged file)',
    );
  }
  const view = fromBinary(GatewayViewSchema, plain);
  if (view.tenantId !== address.tenantId || view.gatewayId !== address.gatewayId)
    throw new BackupUnreadableError(`the backup belongs to ${view.tenantId}/${view.gatewayId}`);
  return view;
}

/** Writes beside the target, flushes, then renames over it. */
export async function writeBackup(path: string, view: GatewayView, accessToken: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(sealBackup(view, accessToken));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** The backed-up view, or undefined when there is no backup yet. */
export async function readBackup(
  path: string,
  accessToken: string,
  address: { tenantId: string; gatewayId: string },
): Promise<GatewayView | undefined> {
  let sealed: Buffer;
  try {
    sealed = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return openBackup(sealed, accessToken, address);
}
