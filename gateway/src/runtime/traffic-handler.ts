import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayMetrics } from '../admin/metrics.js';
import { checkAccess } from './access.js';
import type { CompiledApi, CompiledConfig, CompiledOperation } from './compile-config.js';
import { preflightPipeline } from './cors-preflight.js';
import { connectionTokens, removeNamed } from './forward-headers.js';
import { GW_ERR } from './gateway-errors.js';
import { servePolicies } from './policy-exchange.js';
import { ProxyExchange, type TrafficLog } from './proxy-exchange.js';
import { queryParam, withoutQueryParam } from './query-string.js';
import { requestIdFor } from './request-id.js';
import { isRoutablePath, originForm } from './request-target.js';
import { nextTraceparent } from './trace-context.js';

export interface TrafficHandlerOptions {
  /** The config to serve, read once per request: a swap mid-request leaves the request on its config. */
  config: () => CompiledConfig | undefined;
  metrics: GatewayMetrics;
  log?: TrafficLog;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function decodeKey(raw: string): string | undefined {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Sorts the caller's headers in one pass over `rawHeaders`: those to forward go to
 * `exchange.headers`; the key, request id, trace and forwarding headers are taken out.
 * Returns the subscription key sent in the API's header, if any.
 */
function forwardHeaders(exchange: ProxyExchange, api: CompiledApi): string | undefined {
  const raw = exchange.req.rawHeaders;
  const out = exchange.headers;
  const keyHeader = api.keyHeaderName;
  const credentialNames = api.upstream?.credentialHeaderNames;
  let key: string | undefined;
  let host: string | undefined;
  let forwardedFor: string | undefined;
  let traceparent: string | undefined;
  let requestId: string | undefined;
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        // undici sends the target's own host; the caller's goes in X-Forwarded-Host.
        host ??= value;
        continue;
      case 'content-length':
        if (value !== '0') exchange.hasBody = true;
        break;
      case 'transfer-encoding':
        exchange.hasBody = true;
        continue;
      case 'connection':
        connection = value;
        continue;
      // Node has answered `Expect: 100-continue` already, and undici refuses the header.
      case 'keep-alive':
      case 'te':
      case 'trailer':
      case 'upgrade':
      case 'expect':
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
        continue;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      case 'traceparent':
        traceparent ??= value;
        continue;
      case 'x-request-id':
        requestId ??= value;
        continue;
    }
    if (lower === keyHeader) {
      key ??= value;
      continue;
    }
    if (lower.startsWith('proxy-') || credentialNames?.has(lower) === true) continue;
    out.push(name, value);
  }
  const tokens = connectionTokens(connection);
  if (tokens) removeNamed(out, tokens);
  exchange.callerHeaderCount = out.length;
  exchange.hostHeader = host ?? '';
  exchange.requestId = requestIdFor(requestId);
  const socket = exchange.req.socket as Socket & { encrypted?: boolean };
  const clientIp = socket.remoteAddress ?? '';
  out.push(
    'x-forwarded-for',
    forwardedFor === undefined ? clientIp : `${forwardedFor}, ${clientIp}`,
    'x-forwarded-proto',
    socket.encrypted === true ? 'https' : 'http',
    'traceparent',
    nextTraceparent(traceparent),
    'x-request-id',
    exchange.requestId,
  );
  if (host !== undefined) out.push('x-forwarded-host', host);
  if (api.upstream) for (const item of api.upstream.credentialHeaders) out.push(item);
  return key;
}

function matchOperation(api: CompiledApi, method: string, path: string, start: number): CompiledOperation | undefined {
  const router = api.operationsByMethod.get(method);
  const found = router?.match(path, start);
  // HEAD is GET without a body (RFC 9110 §9.3.2): served by the GET operation unless it has its own.
  if (found === undefined && method === 'HEAD') return api.operationsByMethod.get('GET')?.match(path, start);
  return found;
}

function allowedMethods(api: CompiledApi, path: string, start: number): string {
  const methods: string[] = [];
  for (const [method, router] of api.operationsByMethod) {
    if (router.match(path, start) !== undefined) methods.push(method);
  }
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  if (!methods.includes('OPTIONS')) methods.push('OPTIONS');
  return methods.join(', ');
}

/**
 * A CORS preflight goes to the operation of the method it asks about (Azure), whose pipeline's
 * cors statements answer it (cors-preflight.ts). Without a subscription key — browsers never send
 * one on a preflight — the pipeline without a product is used, else the operation's first: as
 * in Azure, a cors statement at product scope cannot see preflights that carry no key. Returns
 * false when there is no such operation or it has no cors statement.
 */
function servePreflight(exchange: ProxyExchange, config: CompiledConfig, path: string, query: string): boolean {
  const req = exchange.req;
  const requested = firstHeader(req.headers['access-control-request-method']);
  if (requested === undefined || req.headers.origin === undefined) return false;
  const api = exchange.api!;
  const operation = matchOperation(api, requested, path, exchange.operationPathStart);
  if (operation === undefined) return false;
  const compiled =
    operation.pipelines.get(exchange.productId) ??
    operation.pipelines.get('') ??
    (exchange.subscription === undefined ? operation.pipelines.values().next().value : undefined);
  const pipeline = compiled === undefined ? null : preflightPipeline(compiled);
  if (pipeline === null) return false;
  exchange.operation = operation;
  exchange.pipeline = compiled;
  servePolicies(exchange, pipeline, config, path, query);
  return true;
}

function answerOptions(exchange: ProxyExchange, api: CompiledApi, path: string): void {
  exchange.res.writeHead(204, [
    'allow',
    allowedMethods(api, path, exchange.operationPathStart),
    'x-request-id',
    exchange.requestId,
  ]);
  exchange.res.end();
  exchange.finish(204);
}

/**
 * Serves tenant traffic from the current compiled config: route to an API, check the
 * subscription key, match the operation, run its policies if it has any, call the backend
 * streaming both bodies.
 *
 * @example
 * const server = http.createServer(createTrafficHandler({ config: () => current, metrics }));
 * server.on('clientError', handleTrafficClientError);
 */
export function createTrafficHandler(options: TrafficHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { config: currentConfig, metrics, log } = options;
  return function handleTraffic(req, res) {
    const exchange = new ProxyExchange(req, res, performance.now(), metrics, log);
    try {
      const config = currentConfig();
      const target = originForm(req.url ?? '');
      if (config === undefined || target === undefined) {
        exchange.requestId = requestIdFor(firstHeader(req.headers['x-request-id']));
        return exchange.fail(config === undefined ? GW_ERR.noConfig : GW_ERR.badRequest);
      }
      const question = target.indexOf('?');
      const path = question === -1 ? target : target.slice(0, question);
      const query = question === -1 ? '' : target.slice(question + 1);
      const routeError = isRoutablePath(path) ? config.apis.route(path, query, req, exchange) : GW_ERR.badRequest;
      if (routeError !== undefined) {
        exchange.requestId = requestIdFor(firstHeader(req.headers['x-request-id']));
        return exchange.fail(routeError);
      }
      const api = exchange.api!;
      let key = forwardHeaders(exchange, api);
      let forwardQuery = query;
      if (api.keyQueryName !== '' && query !== '') {
        const fromQuery = queryParam(query, api.keyQueryName);
        if (fromQuery !== undefined) {
          forwardQuery = withoutQueryParam(query, api.keyQueryName);
          if (key === undefined) {
            key = decodeKey(fromQuery);
            if (key === undefined) return exchange.fail(GW_ERR.badRequest);
          }
        }
      }
      // Azure's order: a matched API checks access before saying the operation does not exist.
      const accessError = checkAccess(api, config.keys, key, api.missingKey, exchange);
      if (accessError !== undefined) {
        if (req.method === 'OPTIONS' && key === undefined && servePreflight(exchange, config, path, forwardQuery)) return;
        return exchange.fail(accessError);
      }
      const method = req.method ?? 'GET';
      const operation = matchOperation(api, method, path, exchange.operationPathStart);
      if (operation === undefined) {
        if (method === 'OPTIONS') {
          if (servePreflight(exchange, config, path, forwardQuery)) return;
          return answerOptions(exchange, api, path);
        }
        return exchange.fail(GW_ERR.operationNotFound);
      }
      exchange.operation = operation;
      const pipeline = operation.pipelines.get(exchange.productId) ?? operation.pipelines.get('');
      exchange.pipeline = pipeline;
      // Statements to run: a policy context and the sections around the call. Else stream as is.
      if (pipeline !== undefined && pipeline.policies !== null) {
        return servePolicies(exchange, pipeline.policies, config, path, forwardQuery);
      }
      const upstream = api.upstream;
      if (upstream === undefined) {
        metrics.upstreamError(api.id, 'backend_not_configured');
        return exchange.fail(GW_ERR.backendNotConfigured);
      }
      exchange.method = method;
      exchange.pathRest = path.slice(exchange.operationPathStart);
      exchange.query =
        upstream.credentialQuery === ''
          ? forwardQuery
          : forwardQuery === ''
            ? upstream.credentialQuery
            : `${forwardQuery}&${upstream.credentialQuery}`;
      exchange.start(upstream);
    } catch (error) {
      log?.('error', 'traffic handler failed', { error: error instanceof Error ? error.message : String(error), url: req.url });
      if (exchange.requestId === '') exchange.requestId = requestIdFor(undefined);
      if (!res.headersSent) exchange.fail(GW_ERR.internal);
      else res.destroy();
    }
  };
}

/**
 * Answers requests Node's parser refused (malformed request line, oversized headers, bad
 * framing) with the gateway's JSON 400 instead of Node's bare one, then closes the connection.
 */
export function handleTrafficClientError(_error: Error, socket: Socket): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const body = GW_ERR.badRequest.bodyPrefix + JSON.stringify(requestIdFor(undefined)) + '}';
  socket.end(
    `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}
