import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, oneOf, seconds } from '../fields.js';

/**
 * forward-request: sends the request to the backend. Without it (after `base` resolution) the
 * backend is not called.
 *
 * @example { "forward-request": { "timeout": 30, "follow-redirects": false } }
 */
export const forwardRequestSchema = configObject({
  timeout: orExpression(seconds, 'int')
    .optional()
    .describe('Seconds to wait for the response headers (300 when neither timeout nor timeout-ms is set).'),
  'timeout-ms': orExpression(seconds, 'int').optional().describe('The same timeout in milliseconds.'),
  'continue-timeout': orExpression(seconds, 'int')
    .optional()
    .describe('Seconds to wait for a 100 Continue before sending the body anyway.'),
  'http-version': z
    .enum(['1', '2', '2or1'], { error: "expected '1', '2' or '2or1' (as a string)" })
    .default('1')
    .describe('HTTP version to the backend; 2or1 prefers HTTP/2 and falls back to HTTP/1.1.'),
  'follow-redirects': orExpression(z.boolean(), 'bool')
    .default(false)
    .describe('Follow backend redirects instead of returning them to the caller.'),
  'buffer-request-body': z.boolean().default(false).describe('Buffer the request body so that a retry can send it again.'),
  'buffer-response': z
    .boolean()
    .default(true)
    .describe('Buffer response chunks; false streams them at once (server-sent events).'),
  'fail-on-error-status-code': z
    .boolean()
    .default(false)
    .describe('Treat a 400–599 backend status as an error and run on-error.'),
})
  .check(oneOf(['timeout', 'timeout-ms'], false))
  .meta({ description: 'Forwards the request to the backend service.' });

export type ForwardRequestConfig = z.infer<typeof forwardRequestSchema>;
