import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledValue } from '../../expressions/compile-expression.js';
import type { LastError, PolicyContext } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { runStatements } from '../../pipeline/run-pipeline.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { RetryConfig } from './schema.js';

/** Azure's bounds on count. */
const MAX_RETRIES = 50;

/** The waits of one retry statement, in seconds; `maxInterval` and `delta` undefined when not set. */
export interface RetryTiming {
  readonly interval: number;
  readonly delta: number | undefined;
  readonly maxInterval: number | undefined;
  readonly firstFastRetry: boolean;
}

/**
 * Milliseconds to wait before retry number `retry` (1 for the first), as Azure computes it:
 * fixed `interval`; linear `interval + (retry - 1) * delta`; exponential (with max-interval)
 * `interval + (2^(retry - 1) - 1) * random(0.8, 1.2) * delta`, at most max-interval, which gives
 * 10, 20, 40, 80, 100, 100… for interval = delta = 10 and max-interval = 100. With
 * first-fast-retry the first retry does not wait.
 */
export function retryWaitMs(timing: RetryTiming, retry: number, random: () => number = Math.random): number {
  if (retry === 1 && timing.firstFastRetry) return 0;
  const { interval, delta, maxInterval } = timing;
  let seconds = interval;
  if (delta !== undefined && maxInterval !== undefined) {
    seconds = Math.min(maxInterval, interval + (2 ** (retry - 1) - 1) * delta * (0.8 + 0.4 * random()));
  } else if (delta !== undefined) {
    seconds = interval + (retry - 1) * delta;
  }
  return Math.max(0, Math.round(seconds * 1000));
}

interface CompiledRetry {
  readonly condition: CompiledValue<boolean>;
  readonly count: CompiledValue<number>;
  readonly interval: CompiledValue<number>;
  readonly delta: CompiledValue<number> | undefined;
  readonly maxInterval: CompiledValue<number> | undefined;
  readonly firstFastRetry: CompiledValue<boolean>;
  readonly statements: readonly StatementHandler[] | null;
}

/**
 * retry: runs its statements once, then again while `condition` holds, at most `count` more
 * times, waiting as `retryWaitMs` says between attempts. The condition is evaluated after each
 * attempt, on the response it left. An attempt that fails (forward-request could not reach the
 * backend…) is retried too when the condition, evaluated with that failure in
 * `context.lastError`, holds — `@(context.lastError.reason == "upstream-timeout" || response.status >= 500)`;
 * else, or once the retries are spent, the failure goes on to on-error. The request body is
 * buffered so that every attempt can send it.
 *
 * @example createRetry({ condition: '@(response.status >= 500)', count: 3, interval: 1, 'first-fast-retry': true, statements: [{ 'forward-request': { 'buffer-request-body': true } }] }, deps)
 */
export function createRetry(config: RetryConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'retry', path: deps.path };
  deps.readsRequestBody();
  const compiled: CompiledRetry = {
    condition: deps.expressions.bool(config.condition, site),
    count: deps.expressions.int(config.count, site),
    interval: deps.expressions.int(config.interval, site),
    delta: config.delta === undefined ? undefined : deps.expressions.int(config.delta, site),
    maxInterval: config['max-interval'] === undefined ? undefined : deps.expressions.int(config['max-interval'], site),
    firstFastRetry: deps.expressions.bool(config['first-fast-retry'], site),
    statements: deps.compileStatements(config.statements, `${deps.path}.retry.statements`),
  };
  return function retry(ctx) {
    return runAttempts(compiled, ctx);
  };
}

function timingOf(compiled: CompiledRetry, ctx: PolicyContext): RetryTiming {
  return {
    interval: compiled.interval.evaluate(ctx),
    delta: compiled.delta?.evaluate(ctx),
    maxInterval: compiled.maxInterval?.evaluate(ctx),
    firstFastRetry: compiled.firstFastRetry.evaluate(ctx),
  };
}

async function runAttempts(compiled: CompiledRetry, ctx: PolicyContext): Promise<Outcome> {
  const retries = Math.min(MAX_RETRIES, Math.max(0, compiled.count.evaluate(ctx)));
  const lastErrorBefore = ctx.lastError;
  let timing: RetryTiming | undefined;
  for (let retry = 0; ; retry++) {
    let outcome: Outcome = Outcome.continue;
    let failure: PolicyError | undefined;
    try {
      if (compiled.statements !== null) outcome = await runStatements(compiled.statements, ctx);
    } catch (error) {
      // Only a policy's refusal can be retried; an expression fault or a bug goes on at once.
      if (!(error instanceof PolicyError) || error.reason === 'client-closed') throw error;
      failure = error;
    }
    if (failure === undefined) ctx.lastError = lastErrorBefore;
    if (outcome === Outcome.respond) return outcome;
    if (retry >= retries || !retryWanted(compiled, ctx, failure)) {
      if (failure !== undefined) throw failure;
      return outcome;
    }
    timing ??= timingOf(compiled, ctx);
    const wait = retryWaitMs(timing, retry + 1);
    if (wait > 0) await sleep(wait);
  }
}

function retryWanted(compiled: CompiledRetry, ctx: PolicyContext, failure: PolicyError | undefined): boolean {
  if (failure === undefined) return compiled.condition.evaluate(ctx);
  const lastError: LastError = {
    source: failure.source,
    reason: failure.reason,
    message: failure.message,
    policy: failure.where,
  };
  ctx.lastError = lastError;
  try {
    return compiled.condition.evaluate(ctx);
  } catch {
    // The condition cannot be read without a response (`response.status`): the failure stands.
    return false;
  }
}
