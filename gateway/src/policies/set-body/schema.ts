import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject } from '../fields.js';

/**
 * set-body: replaces the body of the request (inbound, backend) or the response (outbound).
 * An expression may return a map or list, which is sent as JSON.
 *
 * @example { "set-body": { "value": "@({\"id\": request.params.id, \"source\": \"gateway\"})" } }
 */
export const setBodySchema = configObject({
  value: orExpression(z.string(), 'dyn').describe('The new body: text, or an expression.'),
  template: z.literal('liquid').optional().describe('Render value as a Liquid template over the request context.'),
  'xsi-nil': z.enum(['blank', 'null']).optional().describe('How a Liquid template renders XML elements marked xsi:nil="true".'),
  'parse-date': z.boolean().default(true).describe('Let Liquid parse date strings in JSON bodies as dates.'),
}).meta({ description: 'Replaces the body of the request or the response.' });

export type SetBodyConfig = z.infer<typeof setBodySchema>;
