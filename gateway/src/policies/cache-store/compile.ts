import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { policyCacheKey } from '../policy-cache.js';
import {
  downstreamCacheControl,
  hasPendingStore,
  headerTokens,
  mergeVary,
  sharedCacheMayStore,
  storedHeaders,
  takePendingStore,
  type CachedResponse,
} from '../response-cache.js';
import type { CacheStoreConfig } from './schema.js';

const VARY_ANY = '*';

/**
 * cache-store: stores the response under the key cache-lookup computed on a miss, for
 * `duration` seconds. By default only 200 responses are stored; cache-response decides
 * otherwise. A backend answer marked no-store, private or no-cache, carrying Set-Cookie or
 * `Vary: *`, is never stored. Without a cache-lookup miss in the same exchange it does nothing.
 * The response gets the downstream Cache-Control and a Vary naming the vary-by-header fields.
 *
 * @example createCacheStore({ duration: 300 }, deps)
 */
export function createCacheStore(config: CacheStoreConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'cache-store', path: deps.path };
  const duration = deps.expressions.int(config.duration, site);
  const cacheResponse =
    config['cache-response'] === undefined ? undefined : deps.expressions.bool(config['cache-response'], site);
  const cache = deps.services.get(policyCacheKey);
  // The body is only stored: read it when it fits and a cache-lookup missed, else let it stream.
  deps.readsResponseBody({ optional: true, when: hasPendingStore });

  return function cacheStore(ctx) {
    const pending = takePendingStore(ctx);
    const response = ctx.response;
    if (pending === undefined || response === undefined) return Outcome.continue;
    const body = response.body;
    const headers = response.headers;
    // An unbuffered body (streamed past outbound) cannot be stored.
    if (body === undefined) return Outcome.continue;
    if (cacheResponse === undefined ? response.status !== 200 : !cacheResponse.evaluate(ctx)) return Outcome.continue;
    if (!sharedCacheMayStore(headers)) return Outcome.continue;
    const seconds = duration.evaluate(ctx);
    if (!(seconds > 0)) return Outcome.continue;

    const varyByKeys = new Set(pending.varyByHeaders.map((name) => name.toLowerCase()));
    const varyNames: string[] = [];
    const varyValues: (string | undefined)[] = [];
    for (const token of headerTokens(headers.get('vary'))) {
      if (token === VARY_ANY) return Outcome.continue;
      const name = token.toLowerCase();
      if (varyByKeys.has(name) || varyNames.includes(name)) continue;
      varyNames.push(name);
      varyValues.push(ctx.request.headers.joinedValue(name));
    }
    mergeVary(headers, pending.varyByHeaders);

    const stored = storedHeaders(headers);
    const now = cache.now();
    const entry: CachedResponse = {
      status: response.status,
      reason: response.reason,
      headers: stored.flat,
      // A copy: the exchange's buffer may be a view into a larger pooled allocation.
      body: Buffer.from(body),
      storedAt: now,
      expiresAt: now + seconds * 1000,
      varyNames,
      varyValues,
    };
    let bytes = body.length + stored.bytes;
    for (let i = 0; i < varyNames.length; i++) bytes += varyNames[i]!.length + (varyValues[i]?.length ?? 0);
    if (cache.set(pending.key, entry, bytes, seconds * 1000)) {
      headers.set('cache-control', [downstreamCacheControl(pending.downstream, pending.mustRevalidate, seconds)]);
    }
    return Outcome.continue;
  };
}
