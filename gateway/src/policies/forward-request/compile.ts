import type { BackendSendOptions, PolicyContext } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { ForwardRequestConfig } from './schema.js';

function continued(): Outcome {
  return Outcome.continue;
}

/**
 * forward-request: calls the backend here (the API's, or the one set-backend-service chose) and
 * leaves its answer in `response` for the statements after it and for outbound. Without one in
 * the backend section the gateway forwards after that section on its streaming path.
 *
 * `timeout` (seconds) or `timeout-ms` bounds the wait for the response headers (the backend's own
 * timeout when neither is set). `buffer-request-body` keeps the request body so that a retry can
 * send it again; `buffer-response: false` lets the body stream to the caller when no statement
 * reads it. `http-version` and `continue-timeout` are accepted and not acted on: backend
 * connections are HTTP/1.1 and the body is sent without waiting for 100 Continue.
 *
 * @example createForwardRequest({ timeout: 10, 'follow-redirects': false, 'buffer-request-body': true, 'buffer-response': true, 'fail-on-error-status-code': false, 'http-version': '1' }, deps)
 */
export function createForwardRequest(config: ForwardRequestConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'forward-request', path: deps.path };
  if (config['buffer-request-body']) deps.readsRequestBody();
  const seconds = config.timeout === undefined ? undefined : deps.expressions.int(config.timeout, site);
  const millis = config['timeout-ms'] === undefined ? undefined : deps.expressions.int(config['timeout-ms'], site);
  const followRedirects = deps.expressions.bool(config['follow-redirects'], site);
  const where = `${deps.path} forward-request`;
  const fixed = {
    bufferResponse: config['buffer-response'],
    failOnErrorStatusCode: config['fail-on-error-status-code'],
    where,
  };
  const timeout = seconds ?? millis;
  const scale = seconds ? 1000 : 1;
  // All literal (the usual case): one options object for every request.
  const constant: BackendSendOptions | undefined =
    (timeout === undefined || timeout.constant !== undefined) && followRedirects.constant !== undefined
      ? {
          ...fixed,
          timeoutMs: timeout?.constant === undefined ? undefined : timeout.constant * scale,
          followRedirects: followRedirects.constant,
        }
      : undefined;
  const noBackend = new PolicyError(
    'forward-request',
    'backend-not-available',
    500,
    'No backend can be called from here.',
    where,
  );

  function optionsFor(ctx: PolicyContext): BackendSendOptions {
    const timeoutMs = timeout === undefined ? undefined : timeout.evaluate(ctx) * scale;
    return { ...fixed, timeoutMs, followRedirects: followRedirects.evaluate(ctx) };
  }

  return function forwardRequest(ctx) {
    const backend = ctx.backend;
    if (backend === undefined) throw noBackend;
    return backend.send(ctx, constant ?? optionsFor(ctx)).then(continued);
  };
}
