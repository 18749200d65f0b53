import type { z } from 'zod';
import type { quotaByKeySchema } from './schema.js';

/** A realistic quota-by-key config: documentation for authors, a fixture for the tests. */
export const quotaByKeyExample = {
  calls: 1000,
  'renewal-period': 86400,
  'counter-key': '@(has(user.id) ? user.id : request.ip)',
  'first-period-start': '2025-01-01T00:00:00Z',
} satisfies z.input<typeof quotaByKeySchema>;
