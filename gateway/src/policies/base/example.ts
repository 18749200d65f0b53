import type { z } from 'zod';
import type { baseSchema } from './schema.js';

/** A realistic base config: documentation for authors, a fixture for the tests. */
export const baseExample = {} satisfies z.input<typeof baseSchema>;
