import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { namesEntity } from '../api-scope.js';
import { quotaCounters, type QuotaCounters, type QuotaLimits } from './quota-counters.js';
import { quotaExceeded } from './quota-refusal.js';
import type { QuotaConfig } from './schema.js';

interface Level {
  /** Counter id without the subscription: statement id, then the API or operation it narrows to. */
  readonly prefix: string;
  readonly limits: QuotaLimits;
}

interface Amounts {
  calls?: number | undefined;
  bandwidth?: number | undefined;
  'renewal-period': number;
}

const limitsOf = (amounts: Amounts): QuotaLimits => ({
  calls: amounts.calls ?? 0,
  kilobytes: amounts.bandwidth ?? 0,
  periodSeconds: amounts['renewal-period'],
  // Periods are aligned on the Unix epoch: the view does not carry when a subscription started.
  firstPeriodStartMs: 0,
});

/** The quota, then the API's and the operation's tighter ones that apply to this pipeline. */
function levelsOf(config: QuotaConfig, deps: StatementDeps): Level[] {
  const levels: Level[] = [{ prefix: `${deps.statementId}|`, limits: limitsOf(config) }];
  const api = deps.api;
  const apiQuota = api === undefined ? undefined : config.api?.find((entry) => namesEntity(entry, api));
  if (api === undefined || apiQuota === undefined) return levels;
  levels.push({ prefix: `${deps.statementId}|api:${api.id}|`, limits: limitsOf(apiQuota) });
  const operation = deps.operation;
  const operationQuota = operation === undefined ? undefined : apiQuota.operation?.find((entry) => namesEntity(entry, operation));
  if (operation !== undefined && operationQuota !== undefined)
    levels.push({ prefix: `${deps.statementId}|op:${operation.id}|`, limits: limitsOf(operationQuota) });
  return levels;
}

/** Takes one call on every level in order; refunds the ones taken when a later one refuses. */
export function takeAll(
  counters: QuotaCounters,
  ids: readonly string[],
  limits: readonly QuotaLimits[],
  amount: number,
  from = 0,
): number | Promise<number> {
  for (let i = from; i < ids.length; i++) {
    const taken = counters.take(ids[i]!, limits[i]!, amount);
    if (taken === true) continue;
    if (taken === false) return refundBefore(counters, ids, amount, i);
    return taken.then((ok) => (ok ? takeAll(counters, ids, limits, amount, i + 1) : refundBefore(counters, ids, amount, i)));
  }
  return -1;
}

/** Refunds levels before `index` and returns `index`, the level that refused. */
function refundBefore(counters: QuotaCounters, ids: readonly string[], amount: number, index: number): number {
  for (let i = 0; i < index; i++) counters.refund(ids[i]!, amount);
  return index;
}

/**
 * quota: calls and/or kilobytes per subscription per period, counted across every agent of the
 * gateway (quota-counters.ts says how, and the bound on overshoot); anonymous calls share one
 * counter. A refusal is 403 with Retry-After and runs on-error (reason quota-exceeded).
 *
 * @example createQuota({ calls: 10000, 'renewal-period': 86400 }, deps)
 */
export function createQuota(config: QuotaConfig, deps: StatementDeps): StatementHandler {
  const counters = deps.services.get(quotaCounters);
  const levels = levelsOf(config, deps);
  const limits = levels.map((level) => level.limits);
  const countsBytes = limits.some((level) => level.kilobytes > 0);
  const where = `${deps.path} quota`;

  const refuse = (ids: readonly string[], index: number) => {
    const id = ids[index]!;
    return quotaExceeded('quota', where, counters.bandwidthExhausted(id), counters.secondsLeft(id));
  };
  const admitted = (ctx: PolicyContext, ids: readonly string[]) => {
    if (countsBytes)
      ctx.onComplete((_ctx, _status, bytesIn, bytesOut) => {
        for (const id of ids) counters.addBytes(id, bytesIn + bytesOut);
      });
    return Outcome.continue;
  };

  return function quota(ctx) {
    const key = ctx.subscription?.id ?? '';
    const ids = levels.map((level) => level.prefix + key);
    const refused = takeAll(counters, ids, limits, 1);
    if (typeof refused === 'number') {
      if (refused >= 0) throw refuse(ids, refused);
      return admitted(ctx, ids);
    }
    return refused.then((index) => {
      if (index >= 0) throw refuse(ids, index);
      return admitted(ctx, ids);
    });
  };
}
