import type { z } from 'zod';
import type { quotaSchema } from './schema.js';

/** A realistic quota config: documentation for authors, a fixture for the tests. */
export const quotaExample = {
  calls: 10000,
  bandwidth: 40000,
  'renewal-period': 604800,
} satisfies z.input<typeof quotaSchema>;
