import type { z } from 'zod';
import type { cacheStoreSchema } from './schema.js';

/** A realistic cache-store config: documentation for authors, a fixture for the tests. */
export const cacheStoreExample = {
  duration: 300,
  'cache-response': '@(response.status == 200)',
} satisfies z.input<typeof cacheStoreSchema>;
