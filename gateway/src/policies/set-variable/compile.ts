import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { SetVariableConfig } from './schema.js';

/**
 * set-variable: stores a CEL value (integers as bigint) in `variables` for later statements.
 *
 * @example createSetVariable({ name: 'isMobile', value: '@(request.headers[?"user-agent"].orValue("").contains("Mobile"))' }, deps)
 */
export function createSetVariable(config: SetVariableConfig, deps: StatementDeps): StatementHandler {
  const value = deps.expressions.dyn(config.value, { policy: 'set-variable', path: deps.path });
  const name = config.name;
  return function setVariable(ctx) {
    ctx.variables.set(name, value.evaluate(ctx));
    return Outcome.continue;
  };
}
