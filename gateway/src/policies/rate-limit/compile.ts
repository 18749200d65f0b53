import type { PolicyContext, PolicyResponse } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { namesEntity } from '../api-scope.js';
import { LimitReporting } from './limit-reporting.js';
import { rateLimitCounters, type RateWindow, type WindowTable } from './rate-windows.js';
import type { RateLimitConfig } from './schema.js';

/** One limit a call must fit: the statement's own, or a nested api/operation one that matched. */
interface Level {
  readonly table: WindowTable;
  readonly calls: number;
  readonly periodMs: number;
  /** Sets this level's remaining/total headers; state is the remaining count. */
  readonly decorate: (ctx: PolicyContext, response: PolicyResponse, state: unknown) => void;
}

/**
 * rate-limit: at most `calls` calls per subscription per `renewal-period` seconds, exact per
 * gateway process; anonymous calls share one counter per statement. Nested `api` and `operation`
 * limits naming the pipeline's API or operation apply on top, each with its own counter (shared by
 * every operation of that API for an api limit). A call must fit every applicable limit and is
 * counted in all of them; a refused call counts in none. Over a limit: 429 with Retry-After,
 * lastError.reason rate-limit-exceeded. Which nested limits apply is decided here, at compile
 * time, from the pipeline's API and operation. The remaining and total headers report the
 * tightest applicable limit.
 *
 * @example createRateLimit({ calls: 100, 'renewal-period': 60, 'remaining-calls-header-name': 'x-ratelimit-remaining' }, deps)
 */
export function createRateLimit(config: RateLimitConfig, deps: StatementDeps): StatementHandler {
  const counters = deps.services.get(rateLimitCounters);
  const reporting = new LimitReporting('rate-limit', `${deps.path} rate-limit`, config);
  const level = (suffix: string, calls: number, periodSeconds: number): Level => ({
    table: counters.table(deps.statementId + suffix),
    calls,
    periodMs: periodSeconds * 1000,
    decorate: (_ctx, response, state) => reporting.setHeaders(response, state as number, calls),
  });
  const levels: Level[] = [level('', config.calls, config['renewal-period'])];
  const api = deps.api;
  const operation = deps.operation;
  (config.api ?? []).forEach((apiLimit, a) => {
    if (!namesEntity(apiLimit, api)) return;
    levels.push(level(`/api[${a}]`, apiLimit.calls, apiLimit['renewal-period']));
    (apiLimit.operation ?? []).forEach((operationLimit, o) => {
      if (!namesEntity(operationLimit, operation)) return;
      levels.push(level(`/api[${a}].operation[${o}]`, operationLimit.calls, operationLimit['renewal-period']));
    });
  });
  const clock = counters.clock;

  if (levels.length === 1) {
    const { table, calls, periodMs, decorate } = levels[0]!;
    return function rateLimit(ctx) {
      const at = clock === undefined ? ctx.startedAt : clock();
      const window = table.window(ctx.subscription?.id ?? '', at, periodMs);
      if (window.count >= calls) throw reporting.refuse(ctx, window.endsAt - at, calls);
      const remaining = calls - ++window.count;
      reporting.admitted(ctx, remaining);
      if (reporting.decoratesResponse) ctx.decorateResponse(decorate, remaining);
      return Outcome.continue;
    };
  }

  // Reused by every call: handlers run synchronously, so no two calls share it at once.
  const windows: RateWindow[] = new Array<RateWindow>(levels.length);
  return function rateLimitNested(ctx) {
    const at = clock === undefined ? ctx.startedAt : clock();
    const key = ctx.subscription?.id ?? '';
    for (let i = 0; i < levels.length; i++) {
      const { table, calls, periodMs } = levels[i]!;
      const window = (windows[i] = table.window(key, at, periodMs));
      if (window.count >= calls) throw reporting.refuse(ctx, window.endsAt - at, calls);
    }
    let tightest = 0;
    let remaining = Infinity;
    for (let i = 0; i < levels.length; i++) {
      const left = levels[i]!.calls - ++windows[i]!.count;
      if (left < remaining) {
        remaining = left;
        tightest = i;
      }
    }
    reporting.admitted(ctx, remaining);
    if (reporting.decoratesResponse) ctx.decorateResponse(levels[tightest]!.decorate, remaining);
    return Outcome.continue;
  };
}
