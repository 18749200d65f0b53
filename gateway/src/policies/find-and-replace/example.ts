import type { z } from 'zod';
import type { findAndReplaceSchema } from './schema.js';

/** A realistic find-and-replace config: documentation for authors, a fixture for the tests. */
export const findAndReplaceExample = {
  from: 'http://orders.internal:8080',
  to: 'https://api.example.com/orders',
} satisfies z.input<typeof findAndReplaceSchema>;
