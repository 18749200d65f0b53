import { PassThrough, pipeline, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { FieldMap } from '../../pipeline/field-map.js';
import { PolicyResponse, type BackendSendOptions, type PolicyContext } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { ResponseBodyNeed, type PolicyPipeline } from '../../pipeline/run-pipeline.js';
import { connectionTokens, isHopByHop } from '../forward-headers.js';
import { GW_ERR, type GatewayError } from '../gateway-errors.js';
import type { ProxyExchange } from '../proxy-exchange.js';
import { BackendUpstream, type RetryRule } from './backend-upstream.js';
import { outboundClientKey, readBodyUpTo } from './outbound-client.js';
import type { UpstreamTarget } from './upstream-target.js';
import { requestPathRest, requestQuery, upstreamHeaders } from './upstream-request.js';

/**
 * A backend call made by a statement (forward-request, or the implicit forward to a
 * set-backend-service base-url): unlike the streaming fast path (ProxyExchange.dispatch) it
 * waits for the answer, leaves it in `ctx.response`, and may be repeated (retry).
 */

/**
 * Largest backend body read into `response.body` for policies; beyond it the call fails with 502
 * when a statement requires the body, and the body streams when statements only want it.
 */
export const MAX_POLICY_RESPONSE_BODY_BYTES = 8 * 1024 * 1024;

/**
 * For a pipeline whose readers of the backend's body are all optional (ResponseBodyRead): whether
 * this response's body is worth reading. Not for HEAD, 204 or 304, which have none; not when no
 * reader wants it in this exchange. Asked before `ctx.response` holds the answer.
 */
export function optionalBodyWanted(policies: PolicyPipeline, ctx: PolicyContext, method: string, status: number): boolean {
  if (method === 'HEAD' || status === 204 || status === 304) return false;
  return policies.responseBodyWanted(ctx);
}

const MAX_REDIRECTS = 10;
const URL_TARGET_TIMEOUT_MS = 300_000;
const BODY_TIMEOUT_MS = 300_000;
// Credentials of the origin the call started on are not sent to another one (as browsers and undici do).
const CROSS_ORIGIN_DROPPED = ['authorization', 'cookie', 'proxy-authorization'];

/** Where one hop of a call goes. */
interface Hop {
  readonly dispatcher: Dispatcher;
  /** Set when `dispatcher` is the outbound Agent, which needs it per request. */
  readonly origin: string | undefined;
  /** The target's origin, to tell a same-origin redirect. */
  readonly targetOrigin: string;
  readonly basePath: string;
  readonly upstream: BackendUpstream | undefined;
  readonly target: UpstreamTarget | undefined;
}

function failure(error: GatewayError, where: string, headers?: readonly string[]): PolicyError {
  return new PolicyError('forward-request', error.code.replaceAll('_', '-'), error.status, error.message, where, headers);
}

const CLIENT_CLOSED = 499;

function clientClosed(where: string): PolicyError {
  return new PolicyError('forward-request', 'client-closed', CLIENT_CLOSED, 'The caller closed the connection.', where);
}

/** The backend a statement's call goes to: set-backend-service's backend-id, else the API's. */
export function selectedUpstream(exchange: ProxyExchange): BackendUpstream | GatewayError {
  const id = exchange.ctx!.backendId;
  if (id === undefined) return exchange.api!.upstream ?? GW_ERR.backendNotConfigured;
  return exchange.config!.upstreams.get(id) ?? GW_ERR.backendNotFound;
}

/** Drops a previous call's unread body (a retry, or a statement that replaced the response). */
export function discardPending(exchange: ProxyExchange): void {
  const pending = exchange.pendingBody;
  if (pending === null) return;
  exchange.pendingBody = null;
  exchange.pendingFor = null;
  pending.destroy();
}

function firstHop(exchange: ProxyExchange, ctx: PolicyContext, where: string): Hop {
  const url = ctx.backendUrl;
  if (url !== undefined) {
    const client = exchange.config!.services.get(outboundClientKey);
    if (client.guard.refusesHost(url.hostname)) throw failure(GW_ERR.outboundAddressBlocked, where);
    const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    return {
      dispatcher: client.agent,
      origin: url.origin,
      targetOrigin: url.origin,
      basePath,
      upstream: undefined,
      target: undefined,
    };
  }
  const upstream = selectedUpstream(exchange);
  if (!(upstream instanceof BackendUpstream)) {
    if (upstream === GW_ERR.backendNotConfigured) exchange.metrics.upstreamError(exchange.api!.id, 'backend_not_configured');
    throw failure(upstream, where);
  }
  const now = Date.now();
  const target = upstream.pick(now);
  if (target === undefined) {
    let waitMs = Infinity;
    for (const t of upstream.targets) waitMs = Math.min(waitMs, t.breaker?.waitMs(now) ?? 0);
    exchange.metrics.upstreamError(exchange.api!.id, 'circuit_open');
    throw failure(GW_ERR.circuitOpen, where, ['retry-after', String(Math.max(1, Math.ceil(waitMs / 1000)))]);
  }
  return {
    dispatcher: target.pool,
    origin: undefined,
    targetOrigin: new URL(target.url).origin,
    basePath: target.basePath,
    upstream,
    target,
  };
}

function requestBody(exchange: ProxyExchange, where: string): Buffer | Readable | null {
  // The body as statements left it (set-body…), else the caller's, buffered or streamed once.
  const body = exchange.ctx!.request.body;
  if (body !== undefined) return body;
  if (exchange.requestBody !== null) return exchange.requestBody;
  if (!exchange.hasBody) return null;
  // The caller's body streams through once; sending it again needs it buffered.
  if (exchange.requestBodySent) {
    throw new PolicyError(
      'forward-request',
      'request-body-not-buffered',
      500,
      'The request body was already sent to the backend; set buffer-request-body to send it again.',
      where,
    );
  }
  exchange.requestBodySent = true;
  return exchange.req;
}

function responseFields(headers: Record<string, string | string[] | undefined>, requestId: string): FieldMap {
  const fields = new FieldMap(true);
  let connection: string | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (name === 'connection') connection = Array.isArray(value) ? value.join(',') : value;
    if (name === 'x-request-id' || isHopByHop(name)) continue;
    if (Array.isArray(value)) for (const item of value) fields.append(name, item);
    else fields.append(name, value);
  }
  const tokens = connectionTokens(connection);
  if (tokens) for (const token of tokens) fields.delete(token);
  fields.append('x-request-id', requestId);
  fields.markBuilt();
  return fields;
}

/**
 * Reads `body` whole when it ends within `max` bytes; past that, stops reading and returns a
 * stream of what was read followed by the rest (destroying it destroys the backend's body).
 */
function readOrReplay(body: Readable, max: number): Promise<Buffer | Readable> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      chunks.push(chunk);
      if (size <= max) return;
      body.pause();
      settle();
      resolve(replay(chunks, body));
    };
    const onEnd = (): void => {
      settle();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    const onClose = (): void => {
      settle();
      reject(new Error('the response body closed before its end'));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

function replay(held: readonly Buffer[], rest: Readable): Readable {
  const out = new PassThrough();
  for (const chunk of held) out.write(chunk);
  // Errors reach the reader through `out`; either side closing early destroys the other.
  pipeline(rest, out, ignoreError);
  return out;
}

function ignoreError(): void {}

async function readCapped(body: Readable, where: string): Promise<Buffer> {
  let read: Buffer | null;
  try {
    read = await readBodyUpTo(body, MAX_POLICY_RESPONSE_BODY_BYTES);
  } catch (error) {
    throw callFailure(error, where);
  }
  if (read === null) throw failure(GW_ERR.responseBodyTooLarge, where);
  return read;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined ? undefined : errorCode(cause);
}

function callFailure(error: unknown, where: string): PolicyError {
  const code = errorCode(error);
  if (code === 'PORTICO_OUTBOUND_REFUSED') return failure(GW_ERR.outboundAddressBlocked, where);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return failure(GW_ERR.upstreamTimeout, where);
  }
  return failure(GW_ERR.upstreamUnreachable, where);
}

// As ProxyExchange's retry rule: exponential up to max-interval when one is set.
function retryDelay(rule: RetryRule, attempt: number): number {
  return rule.maxIntervalMs > 0 ? Math.min(rule.intervalMs * 2 ** (attempt - 1), rule.maxIntervalMs) : rule.intervalMs;
}

interface Sent {
  readonly response: Dispatcher.ResponseData;
  readonly hop: Hop;
}

/** One request on `hop`, with the backend's retry rule when the body can be sent again. */
async function sendHop(
  exchange: ProxyExchange,
  hop: Hop,
  request: Dispatcher.RequestOptions,
  signal: AbortSignal,
  where: string,
): Promise<Sent> {
  const rule = hop.upstream?.retry ?? null;
  const resendable = request.body === null || Buffer.isBuffer(request.body);
  for (let attempt = 0; ; attempt++) {
    const breaker = hop.target?.breaker ?? null;
    breaker?.acquire(Date.now());
    if (hop.target !== undefined) hop.target.inFlight++;
    let response: Dispatcher.ResponseData;
    try {
      response = await hop.dispatcher.request(request);
    } catch (error) {
      if (hop.target !== undefined) hop.target.inFlight--;
      if (signal.aborted) throw clientClosed(where);
      breaker?.failed(Date.now());
      if (rule !== null && rule.onConnectionError && resendable && attempt < rule.count) {
        await wait(retryDelay(rule, attempt + 1), signal, where);
        continue;
      }
      const failed = callFailure(error, where);
      exchange.metrics.upstreamError(exchange.api!.id, failed.response.status === 504 ? 'timeout' : 'unreachable');
      exchange.log?.('warn', 'backend call failed', {
        requestId: exchange.requestId,
        api: exchange.api!.id,
        backend: hop.upstream?.id,
        target: hop.target?.url ?? hop.origin,
        error: (error as Error).message,
        code: errorCode(error),
      });
      throw failed;
    }
    const status = response.statusCode;
    const target = hop.target;
    if (target !== undefined) response.body.once('close', () => target.inFlight--);
    if (breaker !== null) {
      if (hop.upstream!.failureStatusCodes!.has(status)) breaker.failed(Date.now());
      else breaker.succeeded();
    }
    if (rule !== null && rule.onStatusCodes.has(status) && resendable && attempt < rule.count) {
      response.body.destroy();
      await wait(retryDelay(rule, attempt + 1), signal, where);
      continue;
    }
    return { response, hop };
  }
}

async function wait(ms: number, signal: AbortSignal, where: string): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw clientClosed(where);
  }
}

const BodyRead = { stream: 0, whole: 1, ifItFits: 2 } as const;
type BodyRead = (typeof BodyRead)[keyof typeof BodyRead];

/**
 * How a call's body is taken: read whole (the caller asked for a buffered response, or a
 * statement requires the body), streamed after outbound, or read when it fits (optional readers).
 */
function bodyRead(
  policies: PolicyPipeline,
  options: BackendSendOptions,
  ctx: PolicyContext,
  method: string,
  response: Dispatcher.ResponseData,
): BodyRead {
  const need = policies.responseBody;
  if (options.bufferResponse !== false || need === ResponseBodyNeed.required) return BodyRead.whole;
  if (need === ResponseBodyNeed.none || !optionalBodyWanted(policies, ctx, method, response.statusCode)) {
    return BodyRead.stream;
  }
  const declared = Number(response.headers['content-length']);
  return Number.isSafeInteger(declared) && declared > MAX_POLICY_RESPONSE_BODY_BYTES ? BodyRead.stream : BodyRead.ifItFits;
}

async function readOptional(body: Readable, where: string): Promise<Buffer | Readable> {
  try {
    return await readOrReplay(body, MAX_POLICY_RESPONSE_BODY_BYTES);
  } catch (error) {
    throw callFailure(error, where);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * PolicyBackend.send for the traffic exchange: sends `ctx.request` to the selected backend and
 * leaves its answer in `ctx.response`; see PolicyBackend for the contract.
 */
export async function sendToBackend(exchange: ProxyExchange, ctx: PolicyContext, options: BackendSendOptions): Promise<void> {
  const where = options.where ?? 'backend';
  if (exchange.clientGone) throw clientClosed(where);
  discardPending(exchange);
  ctx.backendCalls++;
  exchange.watchClient();
  let hop = firstHop(exchange, ctx, where);
  const request = ctx.request;
  let method = request.method;
  let body = requestBody(exchange, where);
  let headers = upstreamHeaders(exchange, hop.upstream, body !== null && !Buffer.isBuffer(body));
  let path = hop.basePath + requestPathRest(request);
  const query = requestQuery(exchange, request, hop.upstream?.credentialQuery ?? '');
  path = (path === '' ? '/' : path) + (query === '' ? '' : `?${query}`);
  const timeoutMs = options.timeoutMs ?? hop.upstream?.headersTimeoutMs ?? URL_TARGET_TIMEOUT_MS;
  const abort = new AbortController();
  exchange.callAbort = abort;
  const upstream = hop.upstream;
  upstream?.acquire();
  let sent: Sent;
  try {
    for (let redirects = 0; ; redirects++) {
      sent = await sendHop(
        exchange,
        hop,
        {
          origin: hop.origin,
          path,
          method: method,
          headers,
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: hop.upstream?.bodyTimeoutMs ?? BODY_TIMEOUT_MS,
          signal: abort.signal,
        },
        abort.signal,
        where,
      );
      const status = sent.response.statusCode;
      const location = sent.response.headers.location;
      if (options.followRedirects !== true || !REDIRECTS.has(status) || typeof location !== 'string') break;
      sent.response.body.destroy();
      if (redirects === MAX_REDIRECTS) throw failure(GW_ERR.tooManyRedirects, where);
      const next = new URL(location, hop.targetOrigin + path);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw failure(GW_ERR.upstreamUnreachable, where);
      // RFC 9110 §15.4: 303 turns any method but HEAD into GET; 301/302 do so for POST, as clients do.
      if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
        headers = withoutHeaders(headers, ['content-length', 'content-type', 'content-encoding']);
      } else if (body !== null && !Buffer.isBuffer(body)) {
        // A streamed body is gone: the redirect cannot be replayed.
        break;
      }
      if (next.origin !== hop.targetOrigin) {
        const client = exchange.config!.services.get(outboundClientKey);
        if (client.guard.refusesHost(next.hostname)) throw failure(GW_ERR.outboundAddressBlocked, where);
        headers = withoutHeaders(headers, CROSS_ORIGIN_DROPPED.concat([...(hop.upstream?.credentialHeaderNames ?? [])]));
        hop = {
          dispatcher: client.agent,
          origin: next.origin,
          targetOrigin: next.origin,
          basePath: '',
          upstream: undefined,
          target: undefined,
        };
      }
      path = next.pathname + next.search;
    }
    const response = sent.response;
    const policyResponse = new PolicyResponse(response.statusCode, '', responseFields(response.headers, exchange.requestId));
    const read = bodyRead(exchange.policies!, options, ctx, method, response);
    if (read === BodyRead.stream) {
      exchange.pendingBody = response.body;
      exchange.pendingFor = policyResponse;
    } else {
      try {
        if (read === BodyRead.whole) {
          policyResponse.body = await readCapped(response.body, where);
        } else {
          const fitted = await readOptional(response.body, where);
          if (Buffer.isBuffer(fitted)) policyResponse.body = fitted;
          else {
            // Past the cap: outbound runs without the body, which then streams whole.
            exchange.pendingBody = fitted;
            exchange.pendingFor = policyResponse;
          }
        }
      } catch (error) {
        throw abort.signal.aborted ? clientClosed(where) : error;
      }
    }
    ctx.response = policyResponse;
    if (options.failOnErrorStatusCode === true && response.statusCode >= 400 && response.statusCode <= 599) {
      discardPending(exchange);
      throw new PolicyError(
        'forward-request',
        'backend-error-status',
        response.statusCode,
        `The backend answered ${response.statusCode}.`,
        where,
      );
    }
  } finally {
    if (exchange.callAbort === abort) exchange.callAbort = null;
    if (upstream !== undefined) {
      const pending = exchange.pendingBody;
      if (pending === null || pending.destroyed) upstream.release();
      else pending.once('close', () => upstream.release());
    }
  }
}

function withoutHeaders(headers: readonly string[], names: readonly string[]): string[] {
  const drop = new Set(names);
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!drop.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}
