import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, httpUrl, oneOf } from '../fields.js';

/**
 * set-backend-service: sends the request to another backend URL or to a configured backend.
 * A literal or computed URL can point anywhere, so the gateway's SSRF guard (DESIGN §11)
 * checks the address it resolves to before connecting.
 *
 * @example { "set-backend-service": { "backend-id": "orders-eu" } }
 */
export const setBackendServiceSchema = configObject({
  'base-url': orExpression(httpUrl, 'string').optional().describe('New backend base URL; the operation path is appended to it.'),
  'backend-id': orExpression(z.string().min(1), 'string')
    .optional()
    .describe('A configured backend (with its pool, timeouts, retries and credentials).'),
})
  .check(oneOf(['base-url', 'backend-id'], true))
  .meta({ description: 'Routes the request to another backend URL or configured backend (outbound calls pass the SSRF guard).' });

export type SetBackendServiceConfig = z.infer<typeof setBackendServiceSchema>;
