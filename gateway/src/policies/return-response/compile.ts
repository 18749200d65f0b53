import { FieldMap } from '../../pipeline/field-map.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { PolicyResponse } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { compileBody, evaluateBody } from '../set-body/body-value.js';
import { applyExistsAction, constantValues, evaluateValues } from '../set-header/compile.js';
import { applyStatus, compileStatus } from '../set-status/compile.js';
import type { ReturnResponseConfig } from './schema.js';

/**
 * return-response: answers the caller at once and stops the section. Starts from the response
 * in `response-variable-name` (copied) or an empty 200, then applies set-status, set-header and
 * set-body in that order.
 *
 * @example createReturnResponse({ 'set-status': { code: 429, reason: 'Too Many Requests' }, 'set-body': { value: '{"error":"slow down"}', 'parse-date': true } }, deps)
 */
export function createReturnResponse(config: ReturnResponseConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'return-response', path: deps.path };
  const variable = config['response-variable-name'];
  const status = config['set-status'] ? compileStatus(config['set-status'], deps, 'return-response') : undefined;
  const headers = (config['set-header'] ?? []).map((header) => {
    const values = (header.value ?? []).map((value) => deps.expressions.string(value, site));
    return { name: header.name, action: header['exists-action'], values, constants: constantValues(values) };
  });
  const body = config['set-body'] ? compileBody(config['set-body'], deps, 'return-response') : undefined;
  const missing = new PolicyError(
    'return-response',
    'response-variable-not-found',
    500,
    `The variable '${variable}' holds no response.`,
    `${deps.path} return-response`,
  );

  return function returnResponse(ctx) {
    let response: PolicyResponse;
    if (variable === undefined) response = new PolicyResponse(200, 'OK');
    else {
      const stored = ctx.variables.get(variable);
      if (!(stored instanceof PolicyResponse)) throw missing;
      response = new PolicyResponse(stored.status, stored.reason, FieldMap.fromFlat(stored.headers.toFlat(), true), stored.body);
    }
    if (status) applyStatus(status, response, ctx);
    for (const header of headers) {
      applyExistsAction(response.headers, header.name, header.action, header.constants ?? evaluateValues(header.values, ctx));
    }
    if (body) response.body = evaluateBody(body, ctx);
    ctx.response = response;
    return Outcome.respond;
  };
}
