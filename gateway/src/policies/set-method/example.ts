import type { z } from 'zod';
import type { setMethodSchema } from './schema.js';

/** A realistic set-method config: documentation for authors, a fixture for the tests. */
export const setMethodExample = {
  method: 'POST',
} satisfies z.input<typeof setMethodSchema>;
