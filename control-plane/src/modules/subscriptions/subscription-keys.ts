import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { subscriptions } from '../../db/schema/index.js';
import { hashToken, newSecretToken } from '../../lib/secrets.js';
import type { Context } from '../../trpc/context.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { assertKeysRegenerable } from './subscription-states.js';
import { subscriptionOut, type SubscriptionRow } from './subscription-out.js';

export type KeyName = 'primary' | 'secondary';
export const KEY_NAMES = ['primary', 'secondary'] as const satisfies readonly KeyName[];

/**
 * A subscription key: 256 random bits behind a `psk_` prefix (so secret scanners can spot a
 * leaked one). Gateways look keys up by SHA-256, which is all that is stored, with the first
 * ten characters for display.
 */
export function newSubscriptionKey(): { key: string; hash: string; prefix: string } {
  const key = newSecretToken('psk');
  return { key, hash: hashToken(key), prefix: key.slice(0, 10) };
}

/** Replaces one key, leaving the other as it was, so callers can roll keys without downtime. */
export async function regenerateKey(tx: Db, ctx: Context, row: SubscriptionRow, which: KeyName) {
  assertKeysRegenerable(row.state);
  const { key, hash, prefix } = newSubscriptionKey();
  const columns =
    which === 'primary'
      ? { primaryKeyHash: hash, primaryKeyPrefix: prefix }
      : { secondaryKeyHash: hash, secondaryKeyPrefix: prefix };
  const [after] = await tx
    .update(subscriptions)
    .set({ ...columns, version: sql`${subscriptions.version} + 1`, updatedAt: new Date() })
    .where(and(eq(subscriptions.id, row.id), eq(subscriptions.tenantId, row.tenantId)))
    .returning();
  await recordConfigChange(tx, row.tenantId, [{ entityType: 'subscription', entityId: row.id, op: 'upsert' }]);
  const before = which === 'primary' ? row.primaryKeyPrefix : row.secondaryKeyPrefix;
  await recordAudit(tx, ctx, {
    tenantId: row.tenantId,
    workspaceId: row.workspaceId,
    action: `subscription.regenerate_${which}_key`,
    targetType: 'subscription',
    targetId: row.id,
    diff: { [`${which}KeyPrefix`]: [before, prefix] },
  });
  return { ...subscriptionOut(after!), regenerated: which, key };
}
