import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PolicyContext, PolicyResponse } from '../pipeline/policy-context.js';
import { PolicyError } from '../pipeline/policy-error.js';
import { handlePipelineError, runSection, type PolicyPipeline } from '../pipeline/run-pipeline.js';
import { Outcome } from '../pipeline/statement-handler.js';
import type { CompiledConfig } from './compile-config.js';
import { responseHeaderFields } from './forward-headers.js';
import { GW_ERR, sendGatewayError, type GatewayError } from './gateway-errors.js';
import type { ProxyExchange } from './proxy-exchange.js';
import type { BackendUpstream } from './upstream/backend-upstream.js';
import { bindTemplateParams } from './url-template.js';

/**
 * The request path of an operation whose pipeline has statements (issue 5): a PolicyContext is
 * built from what routing found, inbound and backend run before the call, outbound on the
 * backend's status and headers (its body still streams), and a failure — a statement's or the
 * backend's — goes through on-error. Requests whose pipeline is empty never come here.
 */

/** Largest request body buffered for a pipeline whose expressions read `request.body`. */
export const MAX_POLICY_BODY_BYTES = 1024 * 1024;

// Request headers the gateway sets itself after the policies (or never forwards): a value a
// statement gave them is dropped, so the backend sees one of each.
const GATEWAY_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'traceparent',
  'x-request-id',
]);

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
        : { id: subscription.id, name: '', state: SUBSCRIPTION_STATES[subscription.state] ?? 'unspecified' },
    product: exchange.productId === '' ? undefined : config.products.get(exchange.productId),
    api: exchange.api!.info,
    operation: operation.info,
  });
  exchange.ctx = ctx;
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
    const upstream = exchange.api!.upstream;
    if (upstream === undefined) {
      exchange.metrics.upstreamError(exchange.api!.id, 'backend_not_configured');
      return failBackend(exchange, GW_ERR.backendNotConfigured);
    }
    const backend = runSection(exchange.policies!, 'backend', exchange.ctx!);
    if (typeof backend === 'number') afterBackend(exchange, backend, upstream);
    else void backend.then((settled) => afterBackend(exchange, settled, upstream));
  } catch (error) {
    internalFailure(exchange, error);
  }
}

function afterBackend(exchange: ProxyExchange, outcome: Outcome, upstream: BackendUpstream): void {
  try {
    if (outcome === Outcome.respond) return sendPolicyResponse(exchange);
    buildUpstreamRequest(exchange, upstream);
    exchange.start(upstream);
  } catch (error) {
    internalFailure(exchange, error);
  }
}

/** The backend request as the policies left it, then the gateway's forwarding headers. */
function buildUpstreamRequest(exchange: ProxyExchange, upstream: BackendUpstream): void {
  const request = exchange.ctx!.request;
  exchange.method = request.method;
  const path = request.path;
  exchange.pathRest = path === '' || path.charCodeAt(0) === 0x2f ? path : `/${path}`;
  // An untouched query goes on as the caller encoded it.
  const query = request.query.changes === 0 ? exchange.query : request.query.toQueryString();
  const credentialQuery = upstream.credentialQuery;
  exchange.query = credentialQuery === '' ? query : query === '' ? credentialQuery : `${query}&${credentialQuery}`;
  const headers = request.headers;
  const credentialNames = upstream.credentialHeaderNames;
  const buffered = exchange.requestBody !== null;
  const out: string[] = [];
  for (const [key, values] of headers.entries()) {
    if (GATEWAY_REQUEST_HEADERS.has(key) || credentialNames.has(key) || key.startsWith('proxy-')) continue;
    // A buffered body is sent with its own length.
    if (buffered && key === 'content-length') continue;
    const name = headers.spelling(key);
    for (const value of values) out.push(name, value);
  }
  const own = exchange.headers;
  for (let i = exchange.callerHeaderCount; i < own.length; i++) out.push(own[i]!);
  exchange.headers = out;
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
  if (exchange.done) return;
  if (exchange.clientGone) return exchange.finish(CLIENT_CLOSED);
  const response = exchange.ctx!.response;
  if (response === undefined) return internalFailure(exchange, new Error('a section responded without a response'));
  try {
    writeResponse(exchange.res, response, exchange.requestId);
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
  writeHead(res, response, flatResponseHeaders(response, requestId, body?.length ?? 0));
  res.end(res.req.method === 'HEAD' || body === undefined || body.length === 0 ? undefined : body);
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
    // A statement answered or set a body: the backend's body is read and dropped.
    if (outcome === Outcome.respond || response.body !== undefined) {
      exchange.bodyReplaced = true;
      writeResponse(res, response, exchange.requestId);
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
  exchange.log?.('error', 'policy exchange failed', {
    requestId: exchange.requestId,
    error: error instanceof Error ? error.message : String(error),
  });
  if (!exchange.res.headersSent) return exchange.fail(GW_ERR.internal);
  exchange.res.destroy();
  exchange.finish(exchange.status);
}
