import { PolicyServices } from '../pipeline/policy-services.js';
import { runInbound, type TestDocument } from '../pipeline/testing.js';
import { PolicyCache, policyCacheKey } from './policy-cache.js';

/** Test helpers for the cache-*-value policies: one gateway process's cache on a clock the test moves. */
export function cachingProcess(maxBytes?: number) {
  const clock = { now: 0 };
  const services = new PolicyServices();
  services.set(policyCacheKey, new PolicyCache({ maxBytes, now: () => clock.now }));
  return { clock, services, run: (document: TestDocument, query = '') => runInbound(document, { query }, { services }) };
}

/** A cache-lookup-value of the rates for `?base=` (EUR by default) into `variables.rates`. */
export const lookupRates = (extra: Record<string, unknown> = {}) => ({
  'cache-lookup-value': { key: '@("rates-" + request.query.?base.orValue("EUR"))', 'variable-name': 'rates', ...extra },
});

/** A cache-store-value of `value` under the same key. */
export const storeRates = (value: unknown, duration = 60) => ({
  'cache-store-value': { key: '@("rates-" + request.query.?base.orValue("EUR"))', value, duration },
});
