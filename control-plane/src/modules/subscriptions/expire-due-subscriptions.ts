import { and, inArray, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditLog, subscriptions } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import type { Logger } from '../../lib/logger.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { TRANSITIONS } from './subscription-states.js';

/**
 * Expires subscriptions whose `expires_at` has passed, as the `expire` transition would, with a
 * system audit row and a config change so gateways stop accepting their keys. Safe to run from
 * every replica at once: the update only takes rows still in a state that may expire.
 */
export async function expireDueSubscriptions(db: Db, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const expired = await tx
      .update(subscriptions)
      .set({ state: 'expired', endedAt: now, stateChangedAt: now, stateComment: 'Expired at the end of its term' })
      .where(
        and(
          inArray(subscriptions.state, [...TRANSITIONS.expire.from]),
          isNotNull(subscriptions.expiresAt),
          lte(subscriptions.expiresAt, now),
        ),
      )
      .returning({ id: subscriptions.id, tenantId: subscriptions.tenantId, workspaceId: subscriptions.workspaceId });
    const byTenant = new Map<string, string[]>();
    for (const row of expired) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row.id]);
    for (const [tenantId, ids] of byTenant) {
      await recordConfigChange(
        tx,
        tenantId,
        ids.map((id) => ({ entityType: 'subscription' as const, entityId: id, op: 'upsert' as const })),
      );
    }
    if (expired.length > 0) {
      await tx.insert(auditLog).values(
        expired.map((row) => ({
          id: newId('aud'),
          tenantId: row.tenantId,
          workspaceId: row.workspaceId,
          actorId: null,
          actorVia: 'system',
          action: 'subscription.expire',
          targetType: 'subscription',
          targetId: row.id,
          diff: { state: [null, 'expired'] as [unknown, unknown] },
        })),
      );
    }
    return expired.length;
  });
}

/** Runs the sweep every minute in the background; returns a stop function. */
export function startSubscriptionExpiry(db: Db, logger: Logger, intervalMs = 60_000): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = expireDueSubscriptions(db).then(
      (count) => {
        if (count > 0) logger.info({ count }, 'subscriptions expired');
      },
      (error: unknown) => logger.error({ err: error }, 'subscription expiry sweep failed'),
    );
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
