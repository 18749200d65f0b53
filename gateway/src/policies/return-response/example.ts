import type { z } from 'zod';
import type { returnResponseSchema } from './schema.js';

/** A realistic return-response config: documentation for authors, a fixture for the tests. */
export const returnResponseExample = {
  'set-status': {
    code: 429,
    reason: 'Too Many Requests',
  },
  'set-header': [
    {
      name: 'retry-after',
      value: ['30'],
    },
  ],
  'set-body': {
    value: '{"error":"slow down"}',
  },
} satisfies z.input<typeof returnResponseSchema>;
