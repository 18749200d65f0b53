import type { z } from 'zod';
import type { cacheLookupSchema } from './schema.js';

/** A realistic cache-lookup config: documentation for authors, a fixture for the tests. */
export const cacheLookupExample = {
  'vary-by-developer': false,
  'vary-by-developer-groups': false,
  'caching-type': 'internal',
  'downstream-caching-type': 'private',
  'vary-by-header': ['Accept', 'Accept-Charset'],
  'vary-by-query-parameter': ['page', 'size'],
} satisfies z.input<typeof cacheLookupSchema>;
