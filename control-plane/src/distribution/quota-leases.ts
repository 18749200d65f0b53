import { create } from '@bufbuild/protobuf';
import { demandProblem, settleDemand } from '@portico/gateway';
import { QuotaLeaseReplySchema, type QuotaDemand, type QuotaGrant } from '@portico/proto';
import type { GatewayAddress, QuotaLeaseHandler } from '@portico/proto/distribution';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { gateways, quotaCounters } from '../db/schema/index.js';
import type { Logger } from '../lib/logger.js';

/** Demands served per request; an agent batches one tick's worth, far fewer in practice. */
export const MAX_DEMANDS = 500;
/** A gateway checked to exist is trusted this long before asking again. */
const KNOWN_GATEWAY_TTL_MS = 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** Rows of periods that ended longer ago than this are deleted. */
const KEEP_ENDED_MS = 24 * 3_600_000;

/**
 * The lease service of fleet-wide quotas (DESIGN §7; the agent's side is the gateway's
 * quota-counters.ts): each demand takes a row lock on its counter, so grants from several
 * control-plane replicas never add up beyond the limit. Demands are settled in counter order so
 * two requests locking the same counters cannot deadlock.
 */
export function createQuotaLeaseHandler({ db, logger }: { db: Db; logger: Logger }): QuotaLeaseHandler {
  const knownGateways = new Map<string, number>();
  let prunedAt = Date.now();

  const gatewayExists = async ({ tenantId, gatewayId }: GatewayAddress): Promise<boolean> => {
    const key = `${tenantId}.${gatewayId}`;
    if ((knownGateways.get(key) ?? 0) > Date.now()) return true;
    const [row] = await db
      .select({ id: gateways.id })
      .from(gateways)
      .where(and(eq(gateways.id, gatewayId), eq(gateways.tenantId, tenantId)));
    if (row === undefined) return false;
    knownGateways.set(key, Date.now() + KNOWN_GATEWAY_TTL_MS);
    return true;
  };

  const prune = () => {
    if (Date.now() - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = Date.now();
    void db
      .delete(quotaCounters)
      .where(lt(quotaCounters.periodEndMs, Date.now() - KEEP_ENDED_MS))
      .catch((error: unknown) => logger.warn({ err: error }, 'quota: pruning ended periods failed'));
  };

  return async (from, request) => {
    if (request.demands.length > MAX_DEMANDS)
      return create(QuotaLeaseReplySchema, { error: `at most ${MAX_DEMANDS} demands per request` });
    for (const demand of request.demands) {
      const problem = demandProblem(demand);
      if (problem !== undefined)
        return create(QuotaLeaseReplySchema, { error: `demand ${demand.counter.slice(0, 80)}: ${problem}` });
    }
    if (!(await gatewayExists(from))) return create(QuotaLeaseReplySchema, { error: 'unknown gateway' });
    const demands = [...request.demands].sort((a, b) => (a.counter < b.counter ? -1 : a.counter > b.counter ? 1 : 0));
    const grants = await db.transaction(async (tx) => {
      const out: QuotaGrant[] = [];
      for (const demand of demands) out.push(await settle(tx, from, demand));
      return out;
    });
    prune();
    return create(QuotaLeaseReplySchema, { grants });
  };
}

async function settle(tx: Db, { tenantId, gatewayId }: GatewayAddress, demand: QuotaDemand): Promise<QuotaGrant> {
  const periodStartMs = Number(demand.periodStartMs);
  const periodEndMs = demand.periodSeconds > 0 ? periodStartMs + demand.periodSeconds * 1000 : null;
  // Insert or touch: either way the row is locked until the transaction ends.
  const [row] = await tx
    .insert(quotaCounters)
    .values({ tenantId, gatewayId, counter: demand.counter, periodStartMs, periodEndMs })
    .onConflictDoUpdate({
      target: [quotaCounters.tenantId, quotaCounters.gatewayId, quotaCounters.counter],
      set: { updatedAt: sql`now()` },
    })
    .returning();
  const { state, grant } = settleDemand(row, demand);
  if (
    state.periodStartMs !== row!.periodStartMs ||
    state.grantedCalls !== row!.grantedCalls ||
    state.usedBytes !== row!.usedBytes
  ) {
    await tx
      .update(quotaCounters)
      .set({
        periodStartMs: state.periodStartMs,
        periodEndMs: state.periodStartMs === periodStartMs ? periodEndMs : row!.periodEndMs,
        grantedCalls: state.grantedCalls,
        usedBytes: state.usedBytes,
      })
      .where(
        and(
          eq(quotaCounters.tenantId, tenantId),
          eq(quotaCounters.gatewayId, gatewayId),
          eq(quotaCounters.counter, demand.counter),
        ),
      );
  }
  return grant;
}
