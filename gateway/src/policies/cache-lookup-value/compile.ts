import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { CacheNamespace, policyCacheKey } from '../policy-cache.js';
import type { CacheLookupValueConfig } from './schema.js';

/**
 * cache-lookup-value: reads the value cache-store-value stored under `key` into the variable;
 * on a miss assigns default-value when one is given, else leaves the variable as it was (Azure).
 * Keys are shared by every API of the gateway, as Azure's are by the whole instance.
 *
 * @example createCacheLookupValue({ key: '@("rates-" + request.query.base)', 'variable-name': 'rates', 'caching-type': 'internal' }, deps)
 */
export function createCacheLookupValue(config: CacheLookupValueConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'cache-lookup-value', path: deps.path };
  const key = deps.expressions.string(config.key, site);
  const fallback = config['default-value'] === undefined ? undefined : deps.expressions.dyn(config['default-value'], site);
  const name = config['variable-name'];
  const cache = deps.services.get(policyCacheKey);
  return function cacheLookupValue(ctx) {
    const value = cache.get(CacheNamespace.value + key.evaluate(ctx));
    if (value !== undefined) ctx.variables.set(name, value);
    else if (fallback !== undefined) ctx.variables.set(name, fallback.evaluate(ctx));
    return Outcome.continue;
  };
}
