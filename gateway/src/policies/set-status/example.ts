import type { z } from 'zod';
import type { setStatusSchema } from './schema.js';

/** A realistic set-status config: documentation for authors, a fixture for the tests. */
export const setStatusExample = {
  code: 202,
  reason: 'Accepted',
} satisfies z.input<typeof setStatusSchema>;
