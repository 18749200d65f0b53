import type { z } from 'zod';
import type { cacheLookupValueSchema } from './schema.js';

/** A realistic cache-lookup-value config: documentation for authors, a fixture for the tests. */
export const cacheLookupValueExample = {
  key: '@("exchange-rates-" + request.query.?base.orValue("EUR"))',
  'variable-name': 'rates',
  'default-value': '{}',
  'caching-type': 'internal',
} satisfies z.input<typeof cacheLookupValueSchema>;
