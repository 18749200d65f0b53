import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, httpStatusCode } from '../fields.js';

/**
 * set-status: sets the response status code and reason phrase.
 *
 * @example { "set-status": { "code": 401, "reason": "Unauthorized" } }
 */
export const setStatusSchema = configObject({
  code: orExpression(httpStatusCode, 'int').describe('Status code (100–599).'),
  reason: orExpression(z.string(), 'string').optional().describe('Reason phrase (HTTP/1.1 only).'),
}).meta({ description: 'Sets the status code and reason phrase of the response.' });

export type SetStatusConfig = z.infer<typeof setStatusSchema>;
