import { ExpressionError, ExpressionFailure } from '../../expressions/expression-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { SetMethodConfig } from './schema.js';

const METHOD = /^[A-Z][A-Z-]{0,31}$/;

/**
 * set-method: changes the method of the backend request.
 *
 * @example createSetMethod({ method: 'POST' }, deps)
 */
export function createSetMethod(config: SetMethodConfig, deps: StatementDeps): StatementHandler {
  const method = deps.expressions.string(config.method, { policy: 'set-method', path: deps.path });
  const where = `${deps.path} set-method`;
  return function setMethod(ctx) {
    const value = method.evaluate(ctx);
    if (!METHOD.test(value)) {
      throw new ExpressionError(
        ExpressionFailure.failed,
        `${where}: '${value}' is not an uppercase HTTP method`,
        'set-method',
        where,
      );
    }
    ctx.request.method = value;
    return Outcome.continue;
  };
}
