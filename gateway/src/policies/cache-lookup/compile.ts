import { ExpressionError, ExpressionFailure } from '../../expressions/expression-error.js';
import { FieldMap } from '../../pipeline/field-map.js';
import { PolicyResponse, type PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { CacheNamespace, policyCacheKey } from '../policy-cache.js';
import {
  downstreamCacheControl,
  keyPart,
  markPendingStore,
  type CachedResponse,
  type DownstreamCaching,
} from '../response-cache.js';
import type { CacheLookupConfig } from './schema.js';

/** The request's query as a key part: every parameter, in name order, so `?a=1&b=2` and `?b=2&a=1` meet. */
function wholeQuery(query: FieldMap): string {
  if (query.size === 0) return '';
  const names = [...query.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let out = '';
  for (const [name, values] of names) {
    out = keyPart(out, name);
    for (const value of values) out = keyPart(out, value);
  }
  return out;
}

function hitResponse(entry: CachedResponse, now: number, downstream: DownstreamCaching, mustRevalidate: boolean): PolicyResponse {
  const headers = FieldMap.fromFlat(entry.headers, true);
  // RFC 9111 §5.1: a cache says how long it held the response.
  headers.set('age', [String(Math.max(0, Math.floor((now - entry.storedAt) / 1000)))]);
  const maxAge = Math.max(0, Math.floor((entry.expiresAt - now) / 1000));
  headers.set('cache-control', [downstreamCacheControl(downstream, mustRevalidate, maxAge)]);
  return new PolicyResponse(entry.status, entry.reason, headers, entry.body);
}

function varyMatches(entry: CachedResponse, headers: FieldMap): boolean {
  for (let i = 0; i < entry.varyNames.length; i++) {
    if (headers.joinedValue(entry.varyNames[i]!) !== entry.varyValues[i]) return false;
  }
  return true;
}

/**
 * cache-lookup: answers a GET (or HEAD, from the GET's entry) from the gateway's cache without
 * calling the backend; on a miss, leaves the key for cache-store in outbound. Entries are keyed
 * by this statement, the API, operation and product, the host, path and query (the listed
 * parameters, or all of them), the vary-by-header values, and the caller or its groups when
 * asked. Requests with an Authorization header are not cached unless
 * allow-private-response-caching is true, as in Azure.
 *
 * @example createCacheLookup({ 'vary-by-developer': false, 'vary-by-developer-groups': false, 'vary-by-header': ['Accept'], … }, deps)
 */
export function createCacheLookup(config: CacheLookupConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'cache-lookup', path: deps.path };
  const byDeveloper = deps.expressions.bool(config['vary-by-developer'], site);
  const byGroups = deps.expressions.bool(config['vary-by-developer-groups'], site);
  const downstreamValue = deps.expressions.string(config['downstream-caching-type'], site);
  const mustRevalidate = deps.expressions.bool(config['must-revalidate'], site);
  const allowPrivate = deps.expressions.bool(config['allow-private-response-caching'], site);
  const varyByHeaders = config['vary-by-header'] ?? [];
  const headerKeys = varyByHeaders.map((name) => name.toLowerCase());
  const queryNames = config['vary-by-query-parameter'];
  const cache = deps.services.get(policyCacheKey);
  const prefix = keyPart(CacheNamespace.response, deps.statementId);
  const where = `${deps.path} cache-lookup`;

  function downstreamOf(ctx: PolicyContext): DownstreamCaching {
    const value = downstreamValue.constant ?? downstreamValue.evaluate(ctx);
    if (value === 'none' || value === 'private' || value === 'public') return value;
    throw new ExpressionError(
      ExpressionFailure.failed,
      `${where}: downstream-caching-type is '${value}', expected none, private or public`,
      'cache-lookup',
      where,
    );
  }

  function keyOf(ctx: PolicyContext): string {
    const request = ctx.request;
    let key = keyPart(prefix, ctx.api?.id);
    key = keyPart(key, ctx.operation?.id);
    key = keyPart(key, ctx.product?.id);
    key = keyPart(key, request.host);
    key = keyPart(key, request.path);
    if (queryNames === undefined) key = keyPart(key, wholeQuery(request.query));
    else for (const name of queryNames) key = keyPart(key, request.query.joinedValue(name));
    for (const header of headerKeys) key = keyPart(key, request.headers.joinedValue(header));
    if (byDeveloper.evaluate(ctx)) key = keyPart(key, ctx.user?.id ?? ctx.subscription?.id ?? '');
    if (byGroups.evaluate(ctx)) key = keyPart(key, ctx.user === undefined ? '' : [...ctx.user.groups].sort().join(','));
    return key;
  }

  return function cacheLookup(ctx) {
    const method = ctx.request.method;
    if (method !== 'GET' && method !== 'HEAD') return Outcome.continue;
    if (ctx.request.headers.has('authorization') && !allowPrivate.evaluate(ctx)) return Outcome.continue;
    const key = keyOf(ctx);
    const downstream = downstreamOf(ctx);
    const revalidate = mustRevalidate.evaluate(ctx);
    const entry = cache.get(key) as CachedResponse | undefined;
    if (entry !== undefined && varyMatches(entry, ctx.request.headers)) {
      ctx.response = hitResponse(entry, cache.now(), downstream, revalidate);
      return Outcome.respond;
    }
    // A HEAD's answer has no body: it must not become the GET's entry.
    if (method === 'GET') markPendingStore(ctx, { key, downstream, mustRevalidate: revalidate, varyByHeaders });
    return Outcome.continue;
  };
}
