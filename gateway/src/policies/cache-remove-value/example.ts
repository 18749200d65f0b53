import type { z } from 'zod';
import type { cacheRemoveValueSchema } from './schema.js';

/** A realistic cache-remove-value config: documentation for authors, a fixture for the tests. */
export const cacheRemoveValueExample = {
  key: '@("profile-" + user.id)',
  'caching-type': 'prefer-external',
} satisfies z.input<typeof cacheRemoveValueSchema>;
