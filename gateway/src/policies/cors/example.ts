import type { z } from 'zod';
import type { corsSchema } from './schema.js';

/** A realistic cors config: documentation for authors, a fixture for the tests. */
export const corsExample = {
  'allow-credentials': true,
  'allowed-origins': ['https://portal.example.com', 'http://localhost:5173'],
  'preflight-result-max-age': 300,
  'allowed-methods': ['GET', 'POST', 'PATCH', 'DELETE'],
  'allowed-headers': ['content-type', 'authorization', 'ocp-apim-subscription-key'],
  'expose-headers': ['x-request-id'],
} satisfies z.input<typeof corsSchema>;
