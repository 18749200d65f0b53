import type { CompiledValue } from '../../expressions/compile-expression.js';
import { ExpressionError, ExpressionFailure } from '../../expressions/expression-error.js';
import type { PolicyContext, PolicyResponse } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { SetStatusConfig } from './schema.js';

export interface CompiledStatus {
  readonly code: CompiledValue<number>;
  readonly reason: CompiledValue<string> | undefined;
  readonly policy: string;
  readonly where: string;
}

export function compileStatus(config: SetStatusConfig, deps: StatementDeps, policy: string): CompiledStatus {
  const site = { policy, path: deps.path };
  return {
    code: deps.expressions.int(config.code, site),
    reason: config.reason === undefined ? undefined : deps.expressions.string(config.reason, site),
    policy,
    where: `${deps.path} ${policy}`,
  };
}

/** Sets status and reason; an expression giving a code outside 100–599 fails the statement. */
export function applyStatus(status: CompiledStatus, response: PolicyResponse, ctx: PolicyContext): void {
  const code = status.code.evaluate(ctx);
  if (code < 100 || code > 599) {
    throw new ExpressionError(
      ExpressionFailure.failed,
      `${status.where}: status ${code} is not 100–599`,
      status.policy,
      status.where,
    );
  }
  response.status = code;
  response.reason = status.reason === undefined ? '' : status.reason.evaluate(ctx);
}

/**
 * set-status: sets the status and reason of the response, creating an empty one when none
 * exists yet (inbound).
 *
 * @example createSetStatus({ code: 401, reason: 'Unauthorized' }, deps)
 */
export function createSetStatus(config: SetStatusConfig, deps: StatementDeps): StatementHandler {
  const status = compileStatus(config, deps, 'set-status');
  return function setStatus(ctx) {
    applyStatus(status, ctx.ensureResponse(), ctx);
    return Outcome.continue;
  };
}
