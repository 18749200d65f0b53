import type { z } from 'zod';
import type { authenticationBasicSchema } from './schema.js';

/** A realistic authentication-basic config: documentation for authors, a fixture for the tests. */
export const authenticationBasicExample = {
  username: 'portico-gateway',
  password: '{{orders-backend-password}}',
} satisfies z.input<typeof authenticationBasicSchema>;
