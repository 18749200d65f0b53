import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { subscriptions } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import type { Context } from '../../trpc/context.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { isTerminal, nextState, type TransitionVerb } from './subscription-states.js';
import type { SubscriptionRow } from './subscription-out.js';

/**
 * Moves a subscription along the table in subscription-states.ts. The reason (or null) replaces
 * the state comment the owner sees. The update is conditional on the state read, so two
 * concurrent transitions cannot both apply.
 */
export async function transitionSubscription(
  tx: Db,
  ctx: Context,
  row: SubscriptionRow,
  verb: TransitionVerb,
  reason: string | undefined,
): Promise<SubscriptionRow> {
  const state = nextState(verb, row.state);
  const now = new Date();
  const [after] = await tx
    .update(subscriptions)
    .set({
      state,
      stateComment: reason ?? null,
      stateChangedAt: now,
      activatedAt: state === 'active' ? (row.activatedAt ?? now) : row.activatedAt,
      endedAt: isTerminal(state) ? now : null,
      version: sql`${subscriptions.version} + 1`,
      updatedAt: now,
    })
    .where(and(eq(subscriptions.id, row.id), eq(subscriptions.tenantId, row.tenantId), eq(subscriptions.state, row.state)))
    .returning();
  if (!after)
    throw new PorticoError('CP_ERR_CONFLICT', { message: 'The subscription changed state meanwhile; reload and try again' });
  // Gateways enforce the state: a key opens nothing unless its subscription is active.
  await recordConfigChange(tx, row.tenantId, [{ entityType: 'subscription', entityId: row.id, op: 'upsert' }]);
  await recordAudit(tx, ctx, {
    tenantId: row.tenantId,
    workspaceId: row.workspaceId,
    action: `subscription.${verb}`,
    targetType: 'subscription',
    targetId: row.id,
    diff: { state: [row.state, state], ...(reason !== undefined ? { reason: [null, reason] } : {}) },
  });
  return after;
}
