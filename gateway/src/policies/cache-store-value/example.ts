import type { z } from 'zod';
import type { cacheStoreValueSchema } from './schema.js';

/** A realistic cache-store-value config: documentation for authors, a fixture for the tests. */
export const cacheStoreValueExample = {
  key: '@("exchange-rates-" + request.query.?base.orValue("EUR"))',
  value: '@(variables.rates)',
  duration: 3600,
  'caching-type': 'internal',
} satisfies z.input<typeof cacheStoreValueSchema>;
