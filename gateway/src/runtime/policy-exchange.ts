import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { PolicyContext, PolicyResponse } from '../pipeline/policy-context.js';
import { PolicyError } from '../pipeline/policy-error.js';
import { handlePipelineError, ResponseBodyNeed, runSection, type PolicyPipeline } from '../pipeline/run-pipeline.js';
import { Outcome } from '../pipeline/statement-handler.js';
import type { CompiledConfig } from './compile-config.js';
import { responseHeaderFields } from './forward-headers.js';
import { GW_ERR, sendGatewayError, type GatewayError } from './gateway-errors.js';
import type { ProxyExchange } from './proxy-exchange.js';
import { discardPending, MAX_POLICY_RESPONSE_BODY_BYTES, optionalBodyWanted, selectedUpstream } from './upstream/backend-call.js';
import type { BackendUpstream } from './upstream/backend-upstream.js';
import { requestPathRest, requestQuery, upstreamHeaders } from './upstream/upstream-request.js';
import { bindTemplateParams } from './url-template.js';

/**
 * The request path of an operation whose pipeline has statements (issue 5): a PolicyContext is
 * built from what routing found, inbound and backend run before the call, outbound on the
 * backend's status and headers (its body still streams), and a failure — a statement's or the
 * backend's — goes through on-error. Requests whose pipeline is empty never come here.
 *
 * The backend is called in one of two ways:
 * - implicitly after the backend section when no statement called it: the streaming fast path
 *   (ProxyExchange.dispatch), outbound on status and headers; when a statement requires the
 *   response body (`responseBody` required) the body is read first, up to
 *   MAX_POLICY_RESPONSE_BODY_BYTES (8 MiB; beyond it: 502 response_body_too_large through
 *   on-error), and the answer is written with its own Content-Length; when statements only
 *   want it (`optional`, cache-store) a body that fits is read the same way, one that does not
 *   streams (see `buffersResponseBody` and `streamPastCap`);
 * - by a statement (forward-request, through `ctx.backend`, see upstream/backend-call.ts): the
 *   answer is in `ctx.response` when the backend section ends, and outbound runs on it.
 */

/** Largest request body buffered for a pipeline whose expressions read `request.body`. */
export const MAX_POLICY_BODY_BYTES = 1024 * 1024;

export { MAX_POLICY_RESPONSE_BODY_BYTES } from './upstream/backend-call.js';

// The implicit forward to a set-backend-service base-url: streamed unless a statement reads the body.
const IMPLICIT_FORWARD = { bufferResponse: false, where: 'backend' } as const;

// Response headers the gateway sets itself on a response policies shaped.
const GATEWAY_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'x-request-id',
]);

const SUBSCRIPTION_STATES = ['unspecified', 'active', 'suspended', 'submitted'];

const CLIENT_CLOSED = 499;

/** Where the port of `api.example.com:8443` starts (after the colon); -1 when there is none or it is invalid. */
function portStart(hostHeader: string): number {
  const colon = hostHeader.lastIndexOf(':');
  if (colon === -1 || colon < hostHeader.lastIndexOf(']')) return -1;
  const port = Number(hostHeader.slice(colon + 1));
  return Number.isInteger(port) && port > 0 && port < 65536 ? colon + 1 : -1;
}

/**
 * Serves a routed, authorised request through `policies`. `path` is the request path and
 * `query` the query to forward (subscription key removed); the caller's headers to forward are
 * `exchange.headers` up to `callerHeaderCount`, the gateway's own after it.
 */
export function servePolicies(
  exchange: ProxyExchange,
  policies: PolicyPipeline,
  config: CompiledConfig,
  path: string,
  query: string,
): void {
  const operation = exchange.operation!;
  const socket = exchange.req.socket as Socket & { encrypted?: boolean };
  const scheme = socket.encrypted === true ? 'https' : 'http';
  const hostHeader = exchange.hostHeader;
  const portAt = portStart(hostHeader);
  const subscription = exchange.subscription;
  exchange.policies = policies;
  exchange.query = query;
  const ctx = new PolicyContext({
    request: {
      method: exchange.req.method ?? 'GET',
      path: path.slice(exchange.operationPathStart),
      query,
      headers: exchange.headers,
      headerCount: exchange.callerHeaderCount,
      ip: socket.remoteAddress ?? '',
      scheme,
      host: portAt === -1 ? hostHeader : hostHeader.slice(0, portAt - 1),
      port: portAt === -1 ? (scheme === 'https' ? 443 : 80) : Number(hostHeader.slice(portAt)),
      params: operation.hasParams ? bindTemplateParams(operation.segments, path, exchange.operationPathStart) : undefined,
    },
    requestId: exchange.requestId,
    startedAt: exchange.startedAt,
    subscription:
      subscription === undefined
        ? undefined
        : { id: subscription.id, name: subscription.name, state: SUBSCRIPTION_STATES[subscription.state] ?? 'unspecified' },
    product: exchange.productId === '' ? undefined : config.products.get(exchange.productId),
    api: exchange.api!.info,
    operation: operation.info,
    backend: exchange,
  });
  exchange.ctx = ctx;
  exchange.config = config;
  // The API backend's credentials end the gateway's headers; another backend brings its own.
  exchange.gatewayHeaderEnd = exchange.headers.length - (exchange.api!.upstream?.credentialHeaders.length ?? 0);
  if (policies.needsRequestBody && exchange.hasBody) bufferRequestBody(exchange);
  else runInbound(exchange);
}

function bufferRequestBody(exchange: ProxyExchange): void {
  const req = exchange.req;
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (exchange.done) return;
    size += chunk.length;
    if (size <= MAX_POLICY_BODY_BYTES) chunks.push(chunk);
    else exchange.fail(GW_ERR.requestBodyTooLarge);
  });
  req.on('end', () => {
    if (exchange.done) return;
    const body = Buffer.concat(chunks, size);
    exchange.requestBody = body;
    exchange.ctx!.request.body = body;
    exchange.ctx!.request.bodyNeeded = true;
    runInbound(exchange);
  });
  req.on('error', () => exchange.finish(CLIENT_CLOSED));
}

function runInbound(exchange: ProxyExchange): void {
  const outcome = runSection(exchange.policies!, 'inbound', exchange.ctx!);
  if (typeof outcome === 'number') afterInbound(exchange, outcome);
  else void outcome.then((settled) => afterInbound(exchange, settled));
}

function afterInbound(exchange: ProxyExchange, outcome: Outcome): void {
  try {
    if (outcome === Outcome.respond) return sendPolicyResponse(exchange);
    const backend = runSection(exchange.policies!, 'backend', exchange.ctx!);
    if (typeof backend === 'number') afterBackend(exchange, backend);
    else void backend.then((settled) => afterBackend(exchange, settled));
  } catch (error) {
    internalFailure(exchange, error);
  }
}

function afterBackend(exchange: ProxyExchange, outcome: Outcome): void {
  try {
    if (outcome === Outcome.respond) return sendPolicyResponse(exchange);
    const ctx = exchange.ctx!;
    // A statement called the backend: its answer is in ctx.response.
    if (ctx.backendCalls > 0) return outboundOnCallResponse(exchange);
    if (ctx.backendUrl !== undefined) {
      void exchange.send(ctx, IMPLICIT_FORWARD).then(
        () => outboundOnCallResponse(exchange),
        (error: unknown) => failCall(exchange, error),
      );
      return;
    }
    const upstream = selectedUpstream(exchange);
    if (!isUpstream(upstream)) {
      if (upstream === GW_ERR.backendNotConfigured) exchange.metrics.upstreamError(exchange.api!.id, 'backend_not_configured');
      return failBackend(exchange, upstream);
    }
    buildUpstreamRequest(exchange, upstream);
    exchange.start(upstream);
  } catch (error) {
    internalFailure(exchange, error);
  }
}

function isUpstream(value: BackendUpstream | GatewayError): value is BackendUpstream {
  return 'pick' in value;
}

/** The backend request as the policies left it, then the gateway's forwarding headers. */
function buildUpstreamRequest(exchange: ProxyExchange, upstream: BackendUpstream): void {
  const request = exchange.ctx!.request;
  exchange.method = request.method;
  exchange.pathRest = requestPathRest(request);
  exchange.query = requestQuery(exchange, request, upstream.credentialQuery);
  // The body as statements left it (set-body, xml-to-json…); a buffered one is sent with its own length.
  if (request.body !== undefined) exchange.requestBody = request.body;
  exchange.headers = upstreamHeaders(exchange, upstream, exchange.requestBody === null);
}

/** A statement's backend call, or the implicit one to a base-url, failed outside a section: on-error. */
function failCall(exchange: ProxyExchange, error: unknown): void {
  try {
    const outcome = handlePipelineError(exchange.policies!, exchange.ctx!, error);
    if (typeof outcome === 'number') sendPolicyResponse(exchange);
    else void outcome.then(() => sendPolicyResponse(exchange));
  } catch (inner) {
    internalFailure(exchange, inner);
  }
}

/** Runs outbound on the answer of a statement's call, then sends it (streaming an unread body). */
function outboundOnCallResponse(exchange: ProxyExchange): void {
  const outcome = runSection(exchange.policies!, 'outbound', exchange.ctx!);
  if (typeof outcome === 'number') sendCallResponse(exchange, outcome);
  else void outcome.then((settled) => sendCallResponse(exchange, settled));
}

function sendCallResponse(exchange: ProxyExchange, outcome: Outcome): void {
  const response = exchange.ctx!.response;
  const pending = exchange.pendingBody;
  if (
    pending === null ||
    outcome === Outcome.respond ||
    response === undefined ||
    response !== exchange.pendingFor ||
    response.body !== undefined ||
    exchange.clientGone
  ) {
    return sendPolicyResponse(exchange);
  }
  exchange.pendingBody = null;
  exchange.pendingFor = null;
  const res = exchange.res;
  try {
    exchange.status = response.status;
    exchange.ctx!.decorate(response);
    writeHead(res, response, flatResponseHeaders(response, exchange.requestId, -1));
  } catch (error) {
    pending.destroy();
    return internalFailure(exchange, error);
  }
  pending.on('data', (chunk: Buffer) => {
    exchange.bytesOut += chunk.length;
  });
  pipeline(pending, res, (error) => {
    if (error && !exchange.clientGone) exchange.metrics.upstreamError(exchange.api!.id, 'reset');
    exchange.finish(exchange.clientGone ? CLIENT_CLOSED : response.status);
  });
}

/**
 * Whether the backend's body is read before outbound (ProxyExchange.onHeaders, for a pipeline
 * whose `responseBody` is not none): always when a statement requires it; for optional readers
 * only when they want it and a Content-Length does not already say it will not fit.
 */
export function buffersResponseBody(exchange: ProxyExchange, statusCode: number, rawHeaders: Buffer[]): boolean {
  const policies = exchange.policies!;
  if (policies.responseBody === ResponseBodyNeed.required) return true;
  if (!optionalBodyWanted(policies, exchange.ctx!, exchange.method, statusCode)) return false;
  return declaredLength(rawHeaders) <= MAX_POLICY_RESPONSE_BODY_BYTES;
}

/** The backend's Content-Length, -1 when absent or unreadable. */
function declaredLength(raw: readonly Buffer[]): number {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 14 || name.toString('latin1').toLowerCase() !== 'content-length') continue;
    const length = Number(raw[i + 1]!.toString('latin1'));
    return Number.isSafeInteger(length) ? length : -1;
  }
  return -1;
}

/**
 * The backend answered and its body is read for outbound (`buffersResponseBody`): ProxyExchange
 * collects the body, then `outboundOnBufferedResponse` runs outbound on it, or `streamPastCap`
 * when an optional one outgrows the cap. Returns what onHeaders returns.
 */
export function startBufferedResponse(exchange: ProxyExchange, statusCode: number, rawHeaders: Buffer[]): boolean {
  exchange.ctx!.response = new PolicyResponse(statusCode, '', responseHeaderFields(rawHeaders, exchange.requestId));
  exchange.responseChunks = [];
  exchange.responseSize = 0;
  exchange.optionalResponseBody = exchange.policies!.responseBody === ResponseBodyNeed.optional;
  return true;
}

/**
 * An optional body grew past MAX_POLICY_RESPONSE_BODY_BYTES while being read (no Content-Length
 * announced it): outbound runs with `response.body` undefined, then what was read goes out
 * followed by the rest, streamed with the backend's framing. `held` ends with the chunk that
 * crossed the cap. Returns what onData returns: false pauses the backend until the caller's
 * socket drains or an asynchronous outbound settles.
 */
export function streamPastCap(exchange: ProxyExchange, held: Buffer[]): boolean {
  exchange.responseChunks = null;
  exchange.responseSize = 0;
  const outcome = runSection(exchange.policies!, 'outbound', exchange.ctx!);
  if (typeof outcome === 'number') {
    afterOutbound(exchange, outcome);
    return writeHeld(exchange, held);
  }
  void outcome.then((settled) => {
    afterOutbound(exchange, settled);
    if (writeHeld(exchange, held)) exchange.resume?.();
  });
  return false;
}

/** Writes the chunks read before outbound; false when the caller's socket is full (resumed on drain). */
function writeHeld(exchange: ProxyExchange, held: readonly Buffer[]): boolean {
  // Outbound answered itself (its body is out, the backend's is dropped) or nobody listens.
  if (exchange.bodyReplaced || exchange.clientGone) return true;
  const res = exchange.res;
  let flushed = true;
  for (const chunk of held) {
    exchange.bytesOut += chunk.length;
    flushed = res.write(chunk);
  }
  if (!flushed && exchange.resume !== null) res.once('drain', exchange.resume);
  return flushed;
}

/** The backend's whole body is in: outbound runs on it, then the answer goes out with its own length. */
export function outboundOnBufferedResponse(exchange: ProxyExchange, body: Buffer): void {
  const ctx = exchange.ctx!;
  ctx.response!.body = body;
  const outcome = runSection(exchange.policies!, 'outbound', ctx);
  if (typeof outcome === 'number') sendPolicyResponse(exchange);
  else void outcome.then(() => sendPolicyResponse(exchange));
}

/**
 * The backend call failed (unreachable, timeout, open circuit, none configured): on-error sees
 * it as `context.lastError` (source `forward-request`, reason `upstream-timeout`…) and may shape
 * the answer; without on-error the caller gets the gateway's usual JSON error.
 */
export function failBackend(exchange: ProxyExchange, error: GatewayError, extraHeaders?: readonly string[]): void {
  const failure = new PolicyError(
    'forward-request',
    error.code.replaceAll('_', '-'),
    error.status,
    error.message,
    'backend',
    extraHeaders,
  );
  const outcome = handlePipelineError(exchange.policies!, exchange.ctx!, failure);
  if (typeof outcome === 'number') sendPolicyResponse(exchange);
  else void outcome.then(() => sendPolicyResponse(exchange));
}

/** Sends `ctx.response` (a statement's or an error's) as the whole answer, then finishes the exchange. */
function sendPolicyResponse(exchange: ProxyExchange): void {
  discardPending(exchange);
  if (exchange.done) return;
  if (exchange.clientGone) return exchange.finish(CLIENT_CLOSED);
  const response = exchange.ctx!.response;
  if (response === undefined) return internalFailure(exchange, new Error('a section responded without a response'));
  try {
    exchange.ctx!.decorate(response);
    writeResponse(exchange.res, response, exchange.requestId);
    exchange.bytesOut = response.body?.length ?? 0;
  } catch (error) {
    return internalFailure(exchange, error);
  }
  exchange.finish(response.status);
}

/**
 * Flat response headers from a policy response: hop-by-hop ones and any request id dropped,
 * the gateway's request id added; with `bodyLength` ≥ 0 the content length is set to it.
 */
function flatResponseHeaders(response: PolicyResponse, requestId: string, bodyLength: number): string[] {
  const out: string[] = [];
  const headers = response.headers;
  for (const [key, values] of headers.entries()) {
    if (GATEWAY_RESPONSE_HEADERS.has(key) || (bodyLength >= 0 && key === 'content-length')) continue;
    const name = headers.spelling(key);
    for (const value of values) out.push(name, value);
  }
  out.push('x-request-id', requestId);
  // RFC 9110 §8.6: no Content-Length on 204 and 1xx.
  if (bodyLength >= 0 && response.status !== 204 && response.status >= 200) out.push('content-length', String(bodyLength));
  return out;
}

function writeHead(res: ServerResponse, response: PolicyResponse, headers: string[]): void {
  if (response.reason === '') res.writeHead(response.status, headers);
  else res.writeHead(response.status, response.reason, headers);
}

function writeResponse(res: ServerResponse, response: PolicyResponse, requestId: string): void {
  const body = response.body;
  const head = res.req.method === 'HEAD';
  // A HEAD answer has no body to measure: the length a GET would have (the backend's) stands.
  const length =
    head && (body === undefined || body.length === 0) && response.headers.has('content-length') ? -1 : (body?.length ?? 0);
  writeHead(res, response, flatResponseHeaders(response, requestId, length));
  res.end(head || body === undefined || body.length === 0 ? undefined : body);
}

/**
 * Runs outbound on the backend's status and headers (`ProxyExchange.onHeaders`); returns what
 * onHeaders returns (false pauses the backend's body while an asynchronous statement runs).
 */
export function runOutbound(exchange: ProxyExchange, statusCode: number, rawHeaders: Buffer[]): boolean {
  const ctx = exchange.ctx!;
  ctx.response = new PolicyResponse(statusCode, '', responseHeaderFields(rawHeaders, exchange.requestId));
  const outcome = runSection(exchange.policies!, 'outbound', ctx);
  if (typeof outcome === 'number') {
    afterOutbound(exchange, outcome);
    return true;
  }
  void outcome.then((settled) => {
    afterOutbound(exchange, settled);
    exchange.resume?.();
  });
  return false;
}

function afterOutbound(exchange: ProxyExchange, outcome: Outcome): void {
  if (exchange.clientGone) return;
  const response = exchange.ctx!.response!;
  const res = exchange.res;
  try {
    exchange.status = response.status;
    exchange.ctx!.decorate(response);
    // A statement answered or set a body: the backend's body is read and dropped.
    if (outcome === Outcome.respond || response.body !== undefined) {
      exchange.bodyReplaced = true;
      writeResponse(res, response, exchange.requestId);
      exchange.bytesOut = response.body?.length ?? 0;
      return;
    }
    writeHead(res, response, flatResponseHeaders(response, exchange.requestId, -1));
  } catch (error) {
    exchange.log?.('error', 'policy response could not be sent', { requestId: exchange.requestId, error: String(error) });
    exchange.bodyReplaced = true;
    exchange.status = GW_ERR.internal.status;
    if (!res.headersSent) sendGatewayError(res, GW_ERR.internal, exchange.requestId);
    else res.destroy();
  }
}

function internalFailure(exchange: ProxyExchange, error: unknown): void {
  discardPending(exchange);
  exchange.log?.('error', 'policy exchange failed', {
    requestId: exchange.requestId,
    error: error instanceof Error ? error.message : String(error),
  });
  if (!exchange.res.headersSent) return exchange.fail(GW_ERR.internal);
  exchange.res.destroy();
  exchange.finish(exchange.status);
}
