import { create } from '@bufbuild/protobuf';
import {
  QuotaGrantSchema,
  QuotaLeaseReplySchema,
  type QuotaDemand,
  type QuotaGrant,
  type QuotaLeaseReply,
  type QuotaLeaseRequest,
} from '@portico/proto';
import { quotaGrant } from './quota-grant.js';

/** What the lease service keeps per counter: the period it counts and what it has handed out. */
export interface QuotaCounterState {
  periodStartMs: number;
  grantedCalls: number;
  usedBytes: number;
}

/** Longest counter id accepted: statement id plus a key; longer ones are refused, not truncated. */
export const MAX_COUNTER_LENGTH = 1024;

/**
 * One demand against one counter's state: returns the new state and the grant. A demand for an
 * older period than the counter's gets nothing (the agent's clock is behind: it rolls over
 * shortly); a newer one starts the counter afresh. Used inside the control plane's transaction
 * (one row lock per counter) and by the in-memory ledger.
 */
export function settleDemand(
  state: QuotaCounterState | undefined,
  demand: QuotaDemand,
): { state: QuotaCounterState; grant: QuotaGrant } {
  const periodStartMs = Number(demand.periodStartMs);
  let current: QuotaCounterState =
    state === undefined || state.periodStartMs < periodStartMs ? { periodStartMs, grantedCalls: 0, usedBytes: 0 } : { ...state };
  const samePeriod = current.periodStartMs === periodStartMs;
  let granted = 0;
  if (samePeriod) {
    const returned = Math.min(demand.returnedCalls, current.grantedCalls);
    current = {
      ...current,
      grantedCalls: current.grantedCalls - returned,
      usedBytes: current.usedBytes + Number(demand.usedBytes),
    };
    const limitCalls = Number(demand.limitCalls);
    if (limitCalls > 0) {
      granted = quotaGrant(limitCalls, current.grantedCalls, demand.wantCalls);
      current.grantedCalls += granted;
    }
  }
  const limitBytes = Number(demand.limitKilobytes) * 1024;
  const grant = create(QuotaGrantSchema, {
    counter: demand.counter,
    grantedCalls: granted,
    bandwidthExhausted: limitBytes > 0 && current.usedBytes >= limitBytes,
    periodStartMs: BigInt(current.periodStartMs),
    grantedTotal: BigInt(current.grantedCalls),
    usedBytesTotal: BigInt(current.usedBytes),
  });
  return { state: current, grant };
}

/** Why a demand cannot be served, or undefined. */
export function demandProblem(demand: QuotaDemand): string | undefined {
  if (demand.counter === '' || demand.counter.length > MAX_COUNTER_LENGTH)
    return `counter must be 1–${MAX_COUNTER_LENGTH} characters`;
  if (demand.periodStartMs < 0n) return 'period_start_ms must not be negative';
  return undefined;
}

/** The lease service of a gateway counting alone (no control plane): the same rule, in memory. */
export class QuotaLedger {
  readonly #states = new Map<string, QuotaCounterState & { touchedAt: number }>();

  lease(request: QuotaLeaseRequest, now: number): QuotaLeaseReply {
    const grants: QuotaGrant[] = [];
    for (const demand of request.demands) {
      if (demandProblem(demand) !== undefined) continue;
      const { state, grant } = settleDemand(this.#states.get(demand.counter), demand);
      this.#states.set(demand.counter, { ...state, touchedAt: now });
      grants.push(grant);
    }
    if (this.#states.size > 200_000) this.#prune(now);
    return create(QuotaLeaseReplySchema, { grants });
  }

  #prune(now: number): void {
    for (const [id, state] of this.#states) if (now - state.touchedAt > 3_600_000) this.#states.delete(id);
  }
}
