import type { z } from 'zod';
import type { setBodySchema } from './schema.js';

/** A realistic set-body config: documentation for authors, a fixture for the tests. */
export const setBodyExample = {
  value: '@({"orderId": request.params.orderId, "requestedBy": user.email})',
} satisfies z.input<typeof setBodySchema>;
