import type { z } from 'zod';
import type { rewriteUriSchema } from './schema.js';

/** A realistic rewrite-uri config: documentation for authors, a fixture for the tests. */
export const rewriteUriExample = {
  template: '/v2/orders/{orderId}',
  'copy-unmatched-params': true,
} satisfies z.input<typeof rewriteUriSchema>;
