import type { CompiledValue } from '../../expressions/compile-expression.js';
import type { PolicyContext, PolicyResponse } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { LimitReporting } from '../rate-limit/limit-reporting.js';
import { rateLimitCounters, type RateWindow } from '../rate-limit/rate-windows.js';
import type { RateLimitByKeyConfig } from './schema.js';

const MAX_PERIOD_SECONDS = 300;

/** Remaining and limit of an admitted call, when the limit is computed per request. */
class Admitted {
  constructor(
    readonly remaining: number,
    readonly calls: number,
  ) {}
}

/** A call admitted under an increment-condition: counted, or not, when its response is known. */
class PendingCount {
  constructor(
    readonly window: RateWindow,
    readonly count: number,
    readonly calls: number,
  ) {}
}

/**
 * rate-limit-by-key: at most `calls` per `renewal-period` seconds for each value of `counter-key`
 * (an IP, a claim, a header…), exact per gateway process; each call adds `increment-count`, and a
 * call that would take the count over `calls` is refused with 429 and Retry-After
 * (lastError.reason rate-limit-exceeded). With `increment-condition` the call is checked on the
 * way in but counted only once its response is known and the condition (which may read
 * `response.status`) holds, as in Azure; calls in flight at the same time are not counted yet,
 * so they may together overshoot by their number.
 *
 * @example createRateLimitByKey({ calls: 10, 'renewal-period': 60, 'counter-key': '@(request.ip)', 'increment-count': 1 }, deps)
 */
export function createRateLimitByKey(config: RateLimitByKeyConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'rate-limit-by-key', path: deps.path };
  const where = `${deps.path} rate-limit-by-key`;
  const counters = deps.services.get(rateLimitCounters);
  const table = counters.table(deps.statementId);
  const clock = counters.clock;
  const reporting = new LimitReporting('rate-limit-by-key', where, config);
  const callsValue = deps.expressions.int(config.calls, site);
  const periodValue = deps.expressions.int(config['renewal-period'], site);
  const counterKey = deps.expressions.string(config['counter-key'], site);
  const incrementValue = deps.expressions.int(config['increment-count'], site);
  const condition =
    config['increment-condition'] === undefined ? undefined : deps.expressions.bool(config['increment-condition'], site);
  const logger = deps.logger;

  const invalid = (attribute: string, value: number, expected: string) =>
    new PolicyError(
      'rate-limit-by-key',
      'invalid-limit',
      500,
      `${attribute} evaluated to ${value}, expected ${expected}.`,
      where,
    );
  const positive = (value: CompiledValue<number>, attribute: string, ctx: PolicyContext): number => {
    const result = value.constant ?? value.evaluate(ctx);
    if (result < 1) throw invalid(attribute, result, 'a positive integer');
    return result;
  };
  const periodMsOf = (ctx: PolicyContext): number => {
    const seconds = positive(periodValue, 'renewal-period', ctx);
    if (seconds > MAX_PERIOD_SECONDS) throw invalid('renewal-period', seconds, 'at most 300 seconds');
    return seconds * 1000;
  };

  // Headers report the count when the call was admitted; calls may be computed per request.
  const setHeaders = (_ctx: PolicyContext, response: PolicyResponse, state: unknown) => {
    if (typeof state === 'number') reporting.setHeaders(response, state, callsValue.constant!);
    else reporting.setHeaders(response, (state as Admitted).remaining, (state as Admitted).calls);
  };
  // The increment-condition is read on the response about to be sent; a failing condition counts
  // the call (a limit errs on the side of protecting the backend) and is logged.
  const countIfCondition = (ctx: PolicyContext, response: PolicyResponse, state: unknown) => {
    const pending = state as PendingCount;
    let holds = true;
    try {
      holds = condition!.evaluate(ctx);
    } catch (error) {
      logger.warn({ err: error, requestId: ctx.requestId, policy: where }, 'increment-condition failed; the call is counted');
    }
    if (holds) pending.window.count += pending.count;
    reporting.setHeaders(response, pending.calls - pending.window.count, pending.calls);
  };

  return function rateLimitByKey(ctx) {
    const calls = positive(callsValue, 'calls', ctx);
    const increment = positive(incrementValue, 'increment-count', ctx);
    const at = clock === undefined ? ctx.startedAt : clock();
    const window = table.window(counterKey.evaluate(ctx), at, periodMsOf(ctx));
    if (window.count + increment > calls) throw reporting.refuse(ctx, window.endsAt - at, calls);
    if (condition !== undefined) {
      reporting.admitted(ctx, calls - window.count - increment);
      ctx.decorateResponse(countIfCondition, new PendingCount(window, increment, calls));
      return Outcome.continue;
    }
    window.count += increment;
    const remaining = calls - window.count;
    reporting.admitted(ctx, remaining);
    if (reporting.decoratesResponse) {
      ctx.decorateResponse(setHeaders, callsValue.constant !== undefined ? remaining : new Admitted(remaining, calls));
    }
    return Outcome.continue;
  };
}
