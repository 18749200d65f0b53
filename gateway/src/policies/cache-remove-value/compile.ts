import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { CacheNamespace, policyCacheKey } from '../policy-cache.js';
import type { CacheRemoveValueConfig } from './schema.js';

/**
 * cache-remove-value: deletes the value stored under `key`; a missing key is not an error.
 *
 * @example createCacheRemoveValue({ key: '@("profile-" + user.id)', 'caching-type': 'internal' }, deps)
 */
export function createCacheRemoveValue(config: CacheRemoveValueConfig, deps: StatementDeps): StatementHandler {
  const key = deps.expressions.string(config.key, { policy: 'cache-remove-value', path: deps.path });
  const cache = deps.services.get(policyCacheKey);
  return function cacheRemoveValue(ctx) {
    cache.delete(CacheNamespace.value + key.evaluate(ctx));
    return Outcome.continue;
  };
}
