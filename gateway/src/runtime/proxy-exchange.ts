import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { GatewayMetrics, UpstreamErrorReason } from '../admin/metrics.js';
import type { BackendSendOptions, PolicyBackend, PolicyContext, PolicyResponse } from '../pipeline/policy-context.js';
import { ResponseBodyNeed, type PolicyPipeline } from '../pipeline/run-pipeline.js';
import type { AccessSubscription } from './access.js';
import type { CompiledPipeline } from './compile-pipelines.js';
import type { CompiledApi, CompiledConfig, CompiledOperation } from './compile-config.js';
import { GW_ERR, sendGatewayError, type GatewayError } from './gateway-errors.js';
import { responseHeaders } from './forward-headers.js';
import {
  buffersResponseBody,
  failBackend,
  MAX_POLICY_RESPONSE_BODY_BYTES,
  outboundOnBufferedResponse,
  runOutbound,
  startBufferedResponse,
  streamPastCap,
} from './policy-exchange.js';
import { sendToBackend } from './upstream/backend-call.js';
import type { BackendUpstream } from './upstream/backend-upstream.js';
import type { UpstreamTarget } from './upstream/upstream-target.js';

export type TrafficLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

// Status recorded for a caller that went away before its response ended (nginx's convention).
const CLIENT_CLOSED = 499;

class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

/** The backend's body went over what policies may buffer (MAX_POLICY_RESPONSE_BODY_BYTES). */
export class ResponseBodyTooLargeError extends Error {
  override readonly name = 'ResponseBodyTooLargeError';
}

const kExchange = Symbol('exchange');
type ResponseWithExchange = ServerResponse & { [kExchange]?: ProxyExchange };

function onResponseClose(this: ResponseWithExchange): void {
  this[kExchange]?.clientClosed();
}

function retryExchange(exchange: ProxyExchange): void {
  exchange.dispatch();
}

function upstreamFailure(error: Error): { gatewayError: GatewayError; reason: UpstreamErrorReason } {
  const code = (error as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { gatewayError: GW_ERR.upstreamTimeout, reason: 'timeout' };
  }
  return { gatewayError: GW_ERR.upstreamUnreachable, reason: 'unreachable' };
}

// Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3); milliseconds, 0 when absent or bad.
function retryAfterMs(raw: readonly Buffer[]): number {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 11 || raw[i]!.toString('latin1').toLowerCase() !== 'retry-after') continue;
    const value = raw[i + 1]!.toString('latin1');
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(value);
    return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
  }
  return 0;
}

/**
 * One request through the gateway: its routing results and the upstream call, as one
 * fixed-shape object that is also the undici dispatch handler (no closures per request).
 */
export class ProxyExchange implements Dispatcher.DispatchHandler, PolicyBackend {
  readonly req: IncomingMessage;
  readonly res: ResponseWithExchange;
  readonly startedAt: number;
  readonly metrics: GatewayMetrics;
  readonly log: TrafficLog | undefined;
  // Routing results (ApiRouteTarget, AccessTarget).
  api: CompiledApi | undefined = undefined;
  operationPathStart = 0;
  productId = '';
  subscription: AccessSubscription | undefined = undefined;
  operation: CompiledOperation | undefined = undefined;
  pipeline: CompiledPipeline | undefined = undefined;
  requestId = '';
  /** The caller's Host header ('' when absent). */
  hostHeader = '';
  /** Where the gateway's own headers (X-Forwarded-*, traceparent…) start in `headers`. */
  callerHeaderCount = 0;
  /** Where the gateway's own headers end in `headers` (the API backend's credentials follow). */
  gatewayHeaderEnd = 0;
  // Policies (policy-exchange.ts): null on the streaming fast path of an empty pipeline.
  policies: PolicyPipeline | null = null;
  ctx: PolicyContext | null = null;
  /** The config the policies run on (set-backend-service looks backends up in it). */
  config: CompiledConfig | null = null;
  /** The backend's body being read for outbound (`buffersResponseBody`); null when it streams. */
  responseChunks: Buffer[] | null = null;
  responseSize = 0;
  /** Only optional readers want the body being read: past the cap it streams instead of failing. */
  optionalResponseBody = false;
  /** A statement's backend call left its body unread, to stream after outbound when `pendingFor` is still the response. */
  pendingBody: Readable | null = null;
  pendingFor: PolicyResponse | null = null;
  /** Aborts a statement's backend call when the caller goes away. */
  callAbort: AbortController | null = null;
  /** The unbuffered request body was sent by a statement's call: it cannot be sent again. */
  requestBodySent = false;
  /** The caller's close is watched (`watchClient`). */
  watching = false;
  /** The request body, buffered because the pipeline's expressions read it. */
  requestBody: Buffer | null = null;
  /** Body bytes sent to the caller (for quotas counting bandwidth). */
  bytesOut = 0;
  /** Outbound answered with its own body: the backend's is read and dropped. */
  bodyReplaced = false;
  // The upstream call.
  upstream: BackendUpstream | undefined = undefined;
  target: UpstreamTarget | undefined = undefined;
  method = '';
  /** Request path after the API path (and version segment), and the query to forward. */
  pathRest = '';
  query = '';
  headers: string[] = [];
  hasBody = false;
  attempt = 0;
  abortUpstream: ((error?: Error) => void) | null = null;
  /** undici's resume for the backend response, called when the caller's socket drains. */
  resume: (() => void) | null = null;
  retryTimer: NodeJS.Timeout | null = null;
  /** A response is being discarded because the call will be retried. */
  discarding = false;
  status = 0;
  done = false;
  clientGone = false;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    startedAt: number,
    metrics: GatewayMetrics,
    log: TrafficLog | undefined,
  ) {
    this.req = req;
    this.res = res;
    this.startedAt = startedAt;
    this.metrics = metrics;
    this.log = log;
  }

  /** Sends a gateway error, unless the caller is gone or a response already started. */
  fail(error: GatewayError, extraHeaders?: readonly string[]): void {
    if (!this.res.headersSent && !this.clientGone) sendGatewayError(this.res, error, this.requestId, extraHeaders);
    this.finish(error.status);
  }

  finish(status: number): void {
    if (this.done) return;
    this.done = true;
    this.status = status;
    if (this.upstream) this.upstream.release();
    this.res[kExchange] = undefined;
    this.metrics.observeRequest(this.api?.id ?? 'none', status, (performance.now() - this.startedAt) / 1000);
    if (this.ctx?.completions !== undefined) this.#complete(status);
  }

  #complete(status: number): void {
    const length = Number(this.req.headers['content-length']);
    const bytesIn = this.requestBody?.length ?? (Number.isFinite(length) ? length : 0);
    this.ctx!.complete(status === CLIENT_CLOSED ? 0 : status, bytesIn, this.bytesOut, (error) =>
      this.log?.('error', 'policy completion failed', { requestId: this.requestId, error: String(error) }),
    );
  }

  /** Starts the call to the backend; the exchange counts against the upstream until it finishes. */
  start(upstream: BackendUpstream): void {
    this.upstream = upstream;
    upstream.acquire();
    this.watchClient();
    this.dispatch();
  }

  /** Notices the caller going away (to abort the backend call and count a 499). */
  watchClient(): void {
    if (this.watching) return;
    this.watching = true;
    this.res[kExchange] = this;
    this.res.on('close', onResponseClose);
  }

  /** PolicyBackend: a statement's backend call (forward-request), see backend-call.ts. */
  send(ctx: PolicyContext, options: BackendSendOptions): Promise<void> {
    return sendToBackend(this, ctx, options);
  }

  dispatch(): void {
    this.retryTimer = null;
    if (this.clientGone) return this.finish(CLIENT_CLOSED);
    const upstream = this.upstream!;
    const now = Date.now();
    const target = upstream.pick(now);
    if (target === undefined) {
      let waitMs = Infinity;
      for (const t of upstream.targets) waitMs = Math.min(waitMs, t.breaker?.waitMs(now) ?? 0);
      this.metrics.upstreamError(this.api!.id, 'circuit_open');
      return this.failUpstream(GW_ERR.circuitOpen, ['retry-after', String(Math.max(1, Math.ceil(waitMs / 1000)))]);
    }
    target.breaker?.acquire(now);
    target.inFlight++;
    this.target = target;
    this.abortUpstream = null;
    const path = target.basePath + this.pathRest;
    target.pool.dispatch(
      {
        path: (path === '' ? '/' : path) + (this.query === '' ? '' : '?' + this.query),
        method: this.method,
        headers: this.headers,
        body: this.requestBody ?? (this.hasBody ? this.req : null),
        headersTimeout: upstream.headersTimeoutMs,
        bodyTimeout: upstream.bodyTimeoutMs,
      },
      this,
    );
  }

  /** A backend failure: through on-error when policies run, else the gateway's JSON error. */
  failUpstream(error: GatewayError, extraHeaders?: readonly string[]): void {
    if (this.ctx === null) return this.fail(error, extraHeaders);
    failBackend(this, error, extraHeaders);
  }

  clientClosed(): void {
    if (this.done) return;
    this.clientGone = true;
    this.callAbort?.abort(new ClientClosedError('the caller closed the connection'));
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.finish(CLIENT_CLOSED);
    } else if (this.abortUpstream !== null) {
      this.abortUpstream(new ClientClosedError('the caller closed the connection'));
    }
  }

  #mayRetry(): boolean {
    const retry = this.upstream!.retry;
    return retry !== null && !this.hasBody && this.attempt < retry.count && !this.clientGone;
  }

  #scheduleRetry(): void {
    const retry = this.upstream!.retry!;
    this.attempt++;
    const delay =
      retry.maxIntervalMs > 0 ? Math.min(retry.intervalMs * 2 ** (this.attempt - 1), retry.maxIntervalMs) : retry.intervalMs;
    this.retryTimer = setTimeout(retryExchange, delay, this);
  }

  #targetDone(): void {
    if (this.target) this.target.inFlight--;
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.clientGone) abort(new ClientClosedError('the caller closed the connection'));
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    const upstream = this.upstream!;
    const breaker = this.target!.breaker;
    if (breaker !== null) {
      if (upstream.failureStatusCodes!.has(statusCode)) {
        breaker.failed(Date.now(), upstream.acceptRetryAfter ? retryAfterMs(rawHeaders) : 0);
      } else {
        breaker.succeeded();
      }
    }
    if (this.#mayRetry() && upstream.retry!.onStatusCodes.has(statusCode)) {
      this.discarding = true;
      return true;
    }
    this.status = statusCode;
    this.resume = resume;
    if (this.ctx !== null) {
      // A retried call may decide otherwise than the attempt it replaces.
      this.responseChunks = null;
      if (this.policies!.responseBody !== ResponseBodyNeed.none && buffersResponseBody(this, statusCode, rawHeaders)) {
        return startBufferedResponse(this, statusCode, rawHeaders);
      }
      // Statements that decorate the final response (cors…) need it built even without outbound.
      if (this.policies!.outbound !== null || this.ctx.decorators !== undefined) return runOutbound(this, statusCode, rawHeaders);
    }
    this.res.writeHead(statusCode, responseHeaders(rawHeaders, this.requestId));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.discarding || this.bodyReplaced) return true;
    if (this.responseChunks !== null) return this.#bufferChunk(chunk);
    this.bytesOut += chunk.length;
    const flushed = this.res.write(chunk);
    // Backpressure: undici stops reading from the backend until the caller's socket drains.
    if (!flushed && this.resume !== null) this.res.once('drain', this.resume);
    return flushed;
  }

  #bufferChunk(chunk: Buffer): boolean {
    this.responseSize += chunk.length;
    if (this.responseSize > MAX_POLICY_RESPONSE_BODY_BYTES) {
      if (this.optionalResponseBody) {
        this.responseChunks!.push(chunk);
        return streamPastCap(this, this.responseChunks!);
      }
      this.responseChunks = [];
      this.abortUpstream?.(new ResponseBodyTooLargeError('response body over the policy buffer limit'));
      return true;
    }
    this.responseChunks!.push(chunk);
    return true;
  }

  onComplete(): void {
    this.#targetDone();
    this.abortUpstream = null;
    if (this.discarding) {
      this.discarding = false;
      this.#scheduleRetry();
      return;
    }
    if (this.responseChunks !== null) {
      const body = Buffer.concat(this.responseChunks, this.responseSize);
      this.responseChunks = null;
      return outboundOnBufferedResponse(this, body);
    }
    if (!this.bodyReplaced) this.res.end();
    this.finish(this.status);
  }

  onError(error: Error): void {
    this.#targetDone();
    this.abortUpstream = null;
    if (this.clientGone) return this.finish(CLIENT_CLOSED);
    // Outbound already sent its own answer; only the dropped body failed.
    if (this.bodyReplaced) return this.finish(this.status);
    if (error instanceof ResponseBodyTooLargeError) {
      this.responseChunks = null;
      return this.failUpstream(GW_ERR.responseBodyTooLarge);
    }
    const apiId = this.api!.id;
    if (this.res.headersSent) {
      // Mid-body: the status is out; cutting the connection is the only way to say the body is incomplete.
      this.metrics.upstreamError(apiId, 'reset');
      this.res.destroy(error);
      return this.finish(this.status);
    }
    const { gatewayError, reason } = upstreamFailure(error);
    this.target?.breaker?.failed(Date.now());
    if (this.#mayRetry() && (this.upstream!.retry!.onConnectionError || this.discarding)) {
      this.discarding = false;
      this.#scheduleRetry();
      return;
    }
    this.metrics.upstreamError(apiId, reason);
    this.log?.('warn', 'backend call failed', {
      requestId: this.requestId,
      api: apiId,
      backend: this.upstream!.id,
      target: this.target?.url,
      error: error.message,
      code: (error as { code?: string }).code,
    });
    this.failUpstream(gatewayError);
  }
}
