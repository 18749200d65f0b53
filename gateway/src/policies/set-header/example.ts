import type { z } from 'zod';
import type { setHeaderSchema } from './schema.js';

/** A realistic set-header config: documentation for authors, a fixture for the tests. */
export const setHeaderExample = {
  name: 'x-forwarded-user',
  'exists-action': 'override',
  value: ['@(string(jwt.sub))'],
} satisfies z.input<typeof setHeaderSchema>;
