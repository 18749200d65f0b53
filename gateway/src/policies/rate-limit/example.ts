import type { z } from 'zod';
import type { rateLimitSchema } from './schema.js';

/** A realistic rate-limit config: documentation for authors, a fixture for the tests. */
export const rateLimitExample = {
  calls: 100,
  'renewal-period': 60,
  'retry-after-header-name': 'retry-after',
  'remaining-calls-header-name': 'x-ratelimit-remaining',
  'total-calls-header-name': 'x-ratelimit-limit',
  api: [
    {
      name: 'orders',
      calls: 50,
      'renewal-period': 60,
      operation: [
        {
          name: 'create-order',
          calls: 10,
          'renewal-period': 60,
        },
      ],
    },
  ],
} satisfies z.input<typeof rateLimitSchema>;
