import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { compileBody, evaluateBody } from './body-value.js';
import { replaceBody, worksOnResponse } from './message-body.js';
import type { SetBodyConfig } from './schema.js';

/**
 * set-body: replaces the body of the request (inbound, backend) or of the response (outbound),
 * with text (named values substituted) or an expression's value (a map or list is sent as JSON).
 * Content-Length follows the new body; the original request body is read and dropped.
 *
 * @example createSetBody({ value: '@({"id": request.params.id})', 'parse-date': true }, deps)
 */
export function createSetBody(config: SetBodyConfig, deps: StatementDeps): StatementHandler {
  const body = compileBody(config, deps, 'set-body');
  const response = worksOnResponse(deps.section);
  // An expression reading `response.body` is counted by the expression compiler (compile-pipeline.ts).
  if (!response) deps.readsRequestBody();
  return function setBody(ctx) {
    replaceBody(ctx, response, evaluateBody(body, ctx));
    return Outcome.continue;
  };
}
