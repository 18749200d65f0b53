import type { z } from 'zod';
import type { forwardRequestSchema } from './schema.js';

/** A realistic forward-request config: documentation for authors, a fixture for the tests. */
export const forwardRequestExample = {
  timeout: 30,
  'http-version': '2or1',
  'follow-redirects': false,
  'fail-on-error-status-code': true,
} satisfies z.input<typeof forwardRequestSchema>;
