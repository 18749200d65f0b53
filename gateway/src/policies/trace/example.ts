import type { z } from 'zod';
import type { traceSchema } from './schema.js';

/** A realistic trace config: documentation for authors, a fixture for the tests. */
export const traceExample = {
  source: 'orders-api',
  severity: 'information',
  message: '@("order for " + user.email)',
  metadata: [
    {
      name: 'operation',
      value: '@(operation.name)',
    },
  ],
} satisfies z.input<typeof traceSchema>;
