import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { applyExistsAction, constantValues, evaluateValues } from '../set-header/compile.js';
import type { SetQueryParameterConfig } from './schema.js';

/**
 * set-query-parameter: changes a query parameter of the request sent to the backend; names
 * compare case-sensitively, several values repeat the parameter.
 *
 * @example createSetQueryParameter({ name: 'api-version', 'exists-action': 'skip', value: ['2024-06-01'] }, deps)
 */
export function createSetQueryParameter(config: SetQueryParameterConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'set-query-parameter', path: deps.path };
  const values = (config.value ?? []).map((value) => deps.expressions.string(value, site));
  const constants = constantValues(values);
  const { name, 'exists-action': action } = config;
  return function setQueryParameter(ctx) {
    applyExistsAction(ctx.request.query, name, action, constants ?? evaluateValues(values, ctx));
    return Outcome.continue;
  };
}
