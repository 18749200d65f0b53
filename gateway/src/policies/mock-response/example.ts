import type { z } from 'zod';
import type { mockResponseSchema } from './schema.js';

/** A realistic mock-response config: documentation for authors, a fixture for the tests. */
export const mockResponseExample = {
  'status-code': 200,
  'content-type': 'application/json',
} satisfies z.input<typeof mockResponseSchema>;
