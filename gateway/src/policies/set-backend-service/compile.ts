import { PipelineCompileError } from '../../pipeline/pipeline-compile-error.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { SetBackendServiceConfig } from './schema.js';

/**
 * set-backend-service: sends the request (the implicit forward, or the forward-request statements
 * after it) to another backend. `backend-id` names a configured backend, with its pool,
 * timeouts, retries, circuit breaker and credentials; an id the gateway does not know fails the
 * call with 500 backend_not_found. `base-url` replaces the backend's URL (the operation path is
 * appended); such calls go through a shared, bounded set of pools and the SSRF guard, and carry
 * no backend credentials. The last set-backend-service to run wins.
 *
 * @example createSetBackendService({ 'base-url': '@("https://" + request.headers["x-region"] + ".orders.example.com")' }, deps)
 */
export function createSetBackendService(config: SetBackendServiceConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'set-backend-service', path: deps.path };
  const where = `${deps.path} set-backend-service`;
  const baseUrl = config['base-url'];
  if (baseUrl !== undefined) {
    const value = deps.expressions.string(baseUrl, site);
    // A named value may have made the literal something else than the URL the schema checked.
    const constant = value.constant === undefined ? undefined : literalUrl(value.constant, deps.path);
    return function setBackendUrl(ctx) {
      ctx.backendUrl = constant ?? parseBaseUrl(value.evaluate(ctx), where);
      ctx.backendId = undefined;
      return Outcome.continue;
    };
  }
  const id = deps.expressions.string(config['backend-id']!, site);
  // A literal id is checked now: a typo is a NACK naming the statement, not a 500 on every call.
  if (id.constant !== undefined && deps.backendIds !== undefined && !deps.backendIds.has(id.constant))
    throw new PipelineCompileError(
      `${deps.path} set-backend-service: backend-id '${id.constant}' is not a backend of this gateway`,
    );
  return function setBackendId(ctx: PolicyContext) {
    const backendId = id.constant ?? id.evaluate(ctx);
    if (backendId === '')
      throw new PolicyError('set-backend-service', 'invalid-backend-id', 500, 'The backend id is empty.', where);
    ctx.backendId = backendId;
    ctx.backendUrl = undefined;
    return Outcome.continue;
  };
}

function parseBaseUrl(text: string, where: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new PolicyError(
      'set-backend-service',
      'invalid-base-url',
      500,
      'The computed base-url is not an absolute http:// or https:// URL.',
      where,
    );
  }
  return url;
}

function literalUrl(text: string, path: string): URL {
  try {
    return parseBaseUrl(text, path);
  } catch {
    throw new PipelineCompileError(`${path} set-backend-service: base-url: '${text}' is not an absolute http:// or https:// URL`);
  }
}
