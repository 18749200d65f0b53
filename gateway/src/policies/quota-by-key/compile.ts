import { PipelineCompileError } from '../../pipeline/pipeline-compile-error.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { quotaCounters, type QuotaLimits } from '../quota/quota-counters.js';
import { quotaExceeded } from '../quota/quota-refusal.js';
import type { QuotaByKeyConfig } from './schema.js';

/**
 * quota-by-key: like quota, counted per key an expression computes (an IP, a claim…), across
 * the gateway's agents. The count is taken when the statement runs; with an increment-condition
 * it is given back when the exchange ends and the condition (which may read `response`) is false.
 * calls, bandwidth, renewal-period, increment-count and first-period-start may be expressions.
 *
 * @example createQuotaByKey({ calls: 1000, 'renewal-period': 3600, 'counter-key': '@(request.ip)', 'increment-count': 1 }, deps)
 */
export function createQuotaByKey(config: QuotaByKeyConfig, deps: StatementDeps): StatementHandler {
  const counters = deps.services.get(quotaCounters);
  const site = { policy: 'quota-by-key', path: deps.path };
  const where = `${deps.path} quota-by-key`;
  const key = deps.expressions.string(config['counter-key'], site);
  const calls = config.calls === undefined ? undefined : deps.expressions.int(config.calls, site);
  const bandwidth = config.bandwidth === undefined ? undefined : deps.expressions.int(config.bandwidth, site);
  const period = deps.expressions.int(config['renewal-period'], site);
  const increment = deps.expressions.int(config['increment-count'], site);
  const condition =
    config['increment-condition'] === undefined ? undefined : deps.expressions.bool(config['increment-condition'], site);
  const firstStart =
    config['first-period-start'] === undefined ? undefined : deps.expressions.string(config['first-period-start'], site);
  const constantStart = firstStart?.constant === undefined ? undefined : startMs(firstStart.constant, where);
  const prefix = `${deps.statementId}|`;

  const limitsFor = (ctx: PolicyContext): QuotaLimits => ({
    calls: calls === undefined ? 0 : positive(calls.evaluate(ctx)),
    kilobytes: bandwidth === undefined ? 0 : positive(bandwidth.evaluate(ctx)),
    periodSeconds: positive(period.evaluate(ctx)),
    firstPeriodStartMs: firstStart === undefined ? 0 : (constantStart ?? startMs(firstStart.evaluate(ctx), where)),
  });
  const constantLimits: QuotaLimits | undefined =
    (calls === undefined || calls.constant !== undefined) &&
    (bandwidth === undefined || bandwidth.constant !== undefined) &&
    period.constant !== undefined &&
    (firstStart === undefined || constantStart !== undefined)
      ? {
          calls: positive(calls?.constant ?? 0),
          kilobytes: positive(bandwidth?.constant ?? 0),
          periodSeconds: positive(period.constant),
          firstPeriodStartMs: constantStart ?? 0,
        }
      : undefined;

  const admitted = (ctx: PolicyContext, id: string, amount: number, limits: QuotaLimits) => {
    if (condition !== undefined || limits.kilobytes > 0)
      ctx.onComplete((done, _status, bytesIn, bytesOut) => {
        if (condition !== undefined && !condition.evaluate(done)) return counters.refund(id, amount);
        counters.addBytes(id, bytesIn + bytesOut);
      });
    return Outcome.continue;
  };
  const refuse = (id: string) => quotaExceeded('quota-by-key', where, counters.bandwidthExhausted(id), counters.secondsLeft(id));

  return function quotaByKey(ctx) {
    const id = prefix + key.evaluate(ctx);
    const limits = constantLimits ?? limitsFor(ctx);
    const amount = positive(increment.evaluate(ctx));
    const taken = counters.take(id, limits, amount);
    if (taken === true) return admitted(ctx, id, amount, limits);
    if (taken === false) throw refuse(id);
    return taken.then((ok) => {
      if (!ok) throw refuse(id);
      return admitted(ctx, id, amount, limits);
    });
  };
}

const positive = (value: number) => (Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

function startMs(value: string, where: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new PipelineCompileError(`${where}: first-period-start '${value}' is not an ISO 8601 time`);
  return ms;
}
