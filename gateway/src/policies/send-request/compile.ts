import type { Dispatcher } from 'undici';
import type { CompiledValue } from '../../expressions/compile-expression.js';
import { FieldMap } from '../../pipeline/field-map.js';
import { PipelineCompileError } from '../../pipeline/pipeline-compile-error.js';
import { PolicyResponse, type PolicyContext } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { isHopByHop } from '../../runtime/forward-headers.js';
import { GW_ERR, type GatewayError } from '../../runtime/gateway-errors.js';
import { MAX_POLICY_RESPONSE_BODY_BYTES } from '../../runtime/upstream/backend-call.js';
import { outboundClientKey, readBodyUpTo, type OutboundClient } from '../../runtime/upstream/outbound-client.js';
import { compileBody, evaluateBody, type CompiledBody } from '../set-body/body-value.js';
import { applyExistsAction, constantValues, evaluateValues, type ExistsAction } from '../set-header/compile.js';
import type { SendRequestConfig } from './schema.js';

interface CompiledHeader {
  readonly name: string;
  readonly action: ExistsAction;
  readonly values: readonly CompiledValue<string>[];
  readonly constants: readonly string[] | undefined;
}

interface CompiledSendRequest {
  readonly copy: boolean;
  readonly variable: string;
  readonly url: CompiledValue<string> | undefined;
  /** The literal URL, parsed once. */
  readonly constantUrl: URL | undefined;
  readonly method: CompiledValue<string> | undefined;
  readonly headers: readonly CompiledHeader[];
  readonly body: CompiledBody | undefined;
  readonly timeout: CompiledValue<number>;
  readonly ignoreError: boolean;
  readonly client: OutboundClient;
  readonly where: string;
}

// Never copied from the caller's request: the connection's own, and what the body sets.
const NOT_COPIED = new Set(['host', 'content-length', 'expect']);

/**
 * send-request: calls another service (token introspection, enrichment…) and keeps its response
 * in `response-variable-name` as a response return-response can answer with. Mode `new` starts
 * from an empty request (set-url and set-method required); `copy` from the current one (its
 * method, headers, body, and the URL the backend would get). `timeout` (seconds, default 60)
 * bounds the whole call. On a failure the variable is null with `ignore-error`, else on-error
 * runs with `context.lastError.source` = `send-request`.
 *
 * Every call goes through the SSRF guard: a host resolving to a loopback, private, CGNAT,
 * link-local, unique-local or metadata address is refused unless the gateway's allow-list
 * (`PORTICO_OUTBOUND_ALLOW`) names it. Redirects are not followed; bodies are read up to 8 MiB.
 *
 * @example createSendRequest({ mode: 'new', 'response-variable-name': 'profile', timeout: 5, 'ignore-error': true, 'set-url': 'https://profiles.example.com/me', 'set-method': 'GET' }, deps)
 */
export function createSendRequest(config: SendRequestConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'send-request', path: deps.path };
  if (config['authentication-certificate'] !== undefined) {
    throw new PipelineCompileError(
      `${deps.path} send-request: authentication-certificate: client certificates are not available to policies on this gateway`,
    );
  }
  const copy = config.mode === 'copy';
  if (copy && config['set-body'] === undefined) deps.readsRequestBody();
  const url = config['set-url'] === undefined ? undefined : deps.expressions.string(config['set-url'], site);
  const compiled: CompiledSendRequest = {
    copy,
    variable: config['response-variable-name'],
    url,
    constantUrl: url?.constant === undefined ? undefined : literalUrl(url.constant, deps.path),
    method: config['set-method'] === undefined ? undefined : deps.expressions.string(config['set-method'], site),
    headers: (config['set-header'] ?? []).map((header) => {
      const values = (header.value ?? []).map((value) => deps.expressions.string(value, site));
      return { name: header.name, action: header['exists-action'], values, constants: constantValues(values) };
    }),
    body: config['set-body'] === undefined ? undefined : compileBody(config['set-body'], deps, 'send-request'),
    timeout: deps.expressions.int(config.timeout, site),
    ignoreError: config['ignore-error'],
    client: deps.services.get(outboundClientKey),
    where: `${deps.path} send-request`,
  };
  return function sendRequest(ctx) {
    return send(compiled, ctx);
  };
}

function literalUrl(text: string, path: string): URL {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new PipelineCompileError(`${path} send-request: set-url: '${text}' is not an absolute http:// or https:// URL`);
  }
  return url;
}

function failure(error: GatewayError, where: string): PolicyError {
  return new PolicyError('send-request', error.code.replaceAll('_', '-'), error.status, error.message, where);
}

function invalidUrl(where: string): PolicyError {
  return new PolicyError(
    'send-request',
    'invalid-url',
    500,
    'The request URL is not an absolute http:// or https:// URL.',
    where,
  );
}

function targetUrl(compiled: CompiledSendRequest, ctx: PolicyContext): URL {
  if (compiled.constantUrl !== undefined) return compiled.constantUrl;
  let text: string;
  if (compiled.url !== undefined) text = compiled.url.evaluate(ctx);
  else {
    // copy without set-url: where the backend call would go.
    const base = ctx.backendUrl?.href ?? ctx.api?.serviceUrl ?? '';
    const query = ctx.request.query.toQueryString();
    text =
      base.replace(/\/$/, '') +
      (ctx.request.path.startsWith('/') ? '' : '/') +
      ctx.request.path +
      (query === '' ? '' : `?${query}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw invalidUrl(compiled.where);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidUrl(compiled.where);
  return parsed;
}

function requestHeaders(compiled: CompiledSendRequest, ctx: PolicyContext): string[] {
  const fields = new FieldMap(true);
  if (compiled.copy) {
    for (const [key, values] of ctx.request.headers.entries()) {
      if (NOT_COPIED.has(key) || isHopByHop(key)) continue;
      fields.set(ctx.request.headers.spelling(key), values);
    }
  }
  for (const header of compiled.headers) {
    applyExistsAction(fields, header.name, header.action, header.constants ?? evaluateValues(header.values, ctx));
  }
  return fields.toFlat();
}

function responseOf(response: Dispatcher.ResponseData, body: Buffer): PolicyResponse {
  const fields = new FieldMap(true);
  for (const name in response.headers) {
    const value = response.headers[name];
    if (value === undefined || isHopByHop(name)) continue;
    if (Array.isArray(value)) for (const item of value) fields.append(name, item);
    else fields.append(name, value);
  }
  fields.markBuilt();
  return new PolicyResponse(response.statusCode, '', fields, body);
}

async function send(compiled: CompiledSendRequest, ctx: PolicyContext): Promise<Outcome> {
  const where = compiled.where;
  try {
    const url = targetUrl(compiled, ctx);
    const guard = compiled.client.guard;
    if (guard.refusesHost(url.hostname)) throw failure(GW_ERR.outboundAddressBlocked, where);
    const method = compiled.method?.evaluate(ctx).toUpperCase() ?? (compiled.copy ? ctx.request.method : 'GET');
    const body =
      compiled.body !== undefined ? evaluateBody(compiled.body, ctx) : compiled.copy ? (ctx.request.body ?? null) : null;
    const timeoutMs = Math.max(1, compiled.timeout.evaluate(ctx)) * 1000;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await compiled.client.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: method,
        headers: requestHeaders(compiled, ctx),
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal,
      });
    } catch (error) {
      throw callFailure(error, signal, where);
    }
    let read: Buffer | null;
    try {
      read = await readBodyUpTo(response.body, MAX_POLICY_RESPONSE_BODY_BYTES);
    } catch (error) {
      throw callFailure(error, signal, where);
    }
    if (read === null) throw failure(GW_ERR.responseBodyTooLarge, where);
    ctx.variables.set(compiled.variable, responseOf(response, read));
  } catch (error) {
    if (!compiled.ignoreError) throw error;
    ctx.variables.set(compiled.variable, null);
  }
  return Outcome.continue;
}

function callFailure(error: unknown, signal: AbortSignal, where: string): PolicyError {
  if (signal.aborted) return failure(GW_ERR.upstreamTimeout, where);
  let code: unknown = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (code === undefined && cause !== undefined) code = cause.code;
  if (code === 'PORTICO_OUTBOUND_REFUSED') return failure(GW_ERR.outboundAddressBlocked, where);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return failure(GW_ERR.upstreamTimeout, where);
  }
  return failure(GW_ERR.upstreamUnreachable, where);
}
