import type { z } from 'zod';
import type { includeFragmentSchema } from './schema.js';

/** A realistic include-fragment config: documentation for authors, a fixture for the tests. */
export const includeFragmentExample = {
  'fragment-id': 'forward-with-retry',
} satisfies z.input<typeof includeFragmentSchema>;
