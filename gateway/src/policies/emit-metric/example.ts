import type { z } from 'zod';
import type { emitMetricSchema } from './schema.js';

/** A realistic emit-metric config: documentation for authors, a fixture for the tests. */
export const emitMetricExample = {
  name: 'orders-requests',
  namespace: 'shop',
  value: 1,
  dimension: [
    {
      name: 'API ID',
    },
    {
      name: 'Client',
      value: '@(request.headers[?"x-client-id"].orValue("unknown"))',
    },
  ],
} satisfies z.input<typeof emitMetricSchema>;
