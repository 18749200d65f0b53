import type { z } from 'zod';
import type { setBackendServiceSchema } from './schema.js';

/** A realistic set-backend-service config: documentation for authors, a fixture for the tests. */
export const setBackendServiceExample = {
  'base-url':
    '@(request.headers[?"x-region"].orValue("eu") == "us" ? "https://orders-us.example.com" : "https://orders-eu.example.com")',
} satisfies z.input<typeof setBackendServiceSchema>;
