import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { subscriptions } from '../../db/schema/index.js';
import type { Context } from '../../trpc/context.js';
import { LIVE_STATES } from './subscription-states.js';
import { transitionSubscription } from './transition-subscription.js';

/** The tenant's live subscriptions matching `condition`, locked until the transaction ends. */
export function lockLiveSubscriptions(tx: Db, tenantId: string, condition: SQL | undefined) {
  return tx
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.tenantId, tenantId), inArray(subscriptions.state, LIVE_STATES), condition))
    .for('update');
}

/** Cancels each through the one transition table, so each gets its audit row and config change. */
export async function cancelSubscriptions(
  tx: Db,
  ctx: Context,
  rows: Awaited<ReturnType<typeof lockLiveSubscriptions>>,
  reason: string,
): Promise<void> {
  for (const row of rows) await transitionSubscription(tx, ctx, row, 'cancel', reason);
}
