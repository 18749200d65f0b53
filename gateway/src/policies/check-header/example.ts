import type { z } from 'zod';
import type { checkHeaderSchema } from './schema.js';

/** A realistic check-header config: documentation for authors, a fixture for the tests. */
export const checkHeaderExample = {
  name: 'x-client-id',
  'failed-check-httpcode': 401,
  'failed-check-error-message': 'Missing or unknown client id',
  'ignore-case': true,
  value: ['portal', 'mobile-app'],
} satisfies z.input<typeof checkHeaderSchema>;
