import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { copyCacheValue, OversizedValueError, UncacheableValueError } from '../cache-value.js';
import { CacheNamespace, policyCacheKey } from '../policy-cache.js';
import type { CacheStoreValueConfig } from './schema.js';

/**
 * cache-store-value: stores a copy of `value` under `key` for `duration` seconds, replacing
 * what was there. A value JSON cannot hold (bytes, a timestamp) fails the statement
 * (`value-not-cacheable`); one larger than the cache keeps per entry is not stored, with a
 * warning, so a lookup then misses as it would after an eviction.
 *
 * @example createCacheStoreValue({ key: 'rates', value: '@(variables.rates)', duration: 3600, 'caching-type': 'internal' }, deps)
 */
export function createCacheStoreValue(config: CacheStoreValueConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'cache-store-value', path: deps.path };
  const key = deps.expressions.string(config.key, site);
  const value = deps.expressions.dyn(config.value, site);
  const duration = deps.expressions.int(config.duration, site);
  const cache = deps.services.get(policyCacheKey);
  const where = `${deps.path} cache-store-value`;
  const logger = deps.logger;
  let warned = false;

  return function cacheStoreValue(ctx) {
    const cacheKey = CacheNamespace.value + key.evaluate(ctx);
    const seconds = duration.evaluate(ctx);
    if (!(seconds > 0)) return Outcome.continue;
    let copy: { value: unknown; bytes: number };
    try {
      copy = copyCacheValue(value.evaluate(ctx), cache.maxEntryBytes);
    } catch (error) {
      if (error instanceof UncacheableValueError) {
        throw new PolicyError('cache-store-value', 'value-not-cacheable', 500, `${where}: ${error.message}`, where);
      }
      if (!(error instanceof OversizedValueError)) throw error;
      copy = { value: undefined, bytes: Number.POSITIVE_INFINITY };
    }
    if (copy.value === undefined || !cache.set(cacheKey, copy.value, copy.bytes, seconds * 1000)) {
      // The old value must not outlive a store that did not happen.
      cache.delete(cacheKey);
      if (!warned) {
        warned = true;
        logger.warn(
          { statement: deps.statementId, maxEntryBytes: cache.maxEntryBytes },
          'cache-store-value: value too large to cache',
        );
      }
    }
    return Outcome.continue;
  };
}
