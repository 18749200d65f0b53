import type { PolicyRequest } from '../../pipeline/policy-context.js';
import type { ProxyExchange } from '../proxy-exchange.js';
import type { BackendUpstream } from './backend-upstream.js';

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

/** The request path as the policies left it, with a leading slash ('' stays ''). */
export function requestPathRest(request: PolicyRequest): string {
  const path = request.path;
  return path === '' || path.charCodeAt(0) === 0x2f ? path : `/${path}`;
}

/** The query to send: an untouched one as the caller encoded it, plus the backend's credential query. */
export function requestQuery(exchange: ProxyExchange, request: PolicyRequest, credentialQuery: string): string {
  const query = request.query.changes === 0 ? exchange.query : request.query.toQueryString();
  return credentialQuery === '' ? query : query === '' ? credentialQuery : `${query}&${credentialQuery}`;
}

/**
 * The backend request's headers as the policies left them, then the gateway's forwarding headers
 * and `upstream`'s credentials (none for a URL target). `withLength`: keep the caller's
 * Content-Length (a streamed body); a buffered body is sent with its own.
 */
export function upstreamHeaders(exchange: ProxyExchange, upstream: BackendUpstream | undefined, withLength: boolean): string[] {
  const headers = exchange.ctx!.request.headers;
  const credentialNames = upstream?.credentialHeaderNames;
  const out: string[] = [];
  for (const [key, values] of headers.entries()) {
    if (GATEWAY_REQUEST_HEADERS.has(key) || credentialNames?.has(key) === true || key.startsWith('proxy-')) continue;
    if (!withLength && key === 'content-length') continue;
    const name = headers.spelling(key);
    for (const value of values) out.push(name, value);
  }
  const own = exchange.headers;
  for (let i = exchange.callerHeaderCount; i < exchange.gatewayHeaderEnd; i++) out.push(own[i]!);
  if (upstream !== undefined) for (const item of upstream.credentialHeaders) out.push(item);
  return out;
}
