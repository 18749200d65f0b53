import type { z } from 'zod';
import type { rateLimitByKeySchema } from './schema.js';

/** A realistic rate-limit-by-key config: documentation for authors, a fixture for the tests. */
export const rateLimitByKeyExample = {
  calls: 20,
  'renewal-period': 60,
  'counter-key': '@(request.ip)',
  'increment-condition': '@(response.status >= 200 && response.status < 400)',
  'remaining-calls-variable-name': 'remainingCalls',
} satisfies z.input<typeof rateLimitByKeySchema>;
