import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, httpMethod } from '../fields.js';

/**
 * set-method: changes the method of the request sent to the backend.
 *
 * @example { "set-method": { "method": "POST" } }
 */
export const setMethodSchema = configObject({
  method: orExpression(httpMethod, 'string').describe('The HTTP method, uppercase.'),
}).meta({ description: 'Changes the HTTP method of the backend request.' });

export type SetMethodConfig = z.infer<typeof setMethodSchema>;
