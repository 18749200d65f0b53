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
  template: z
    .enum(['none', 'liquid'])
    .optional()
    .describe('none: value is the body as written. Liquid templates are not supported: use an expression.'),
  'xsi-nil': z.enum(['blank', 'null']).optional().describe('How a Liquid template renders XML elements marked xsi:nil="true".'),
  'parse-date': z.boolean().default(true).describe('Let Liquid parse date strings in JSON bodies as dates.'),
})
  // Refused rather than ignored: a Liquid template sent as literal text would reach callers as is.
  .check((payload) => {
    if (payload.value.template === 'liquid') {
      payload.issues.push({
        code: 'custom',
        message: 'Liquid templates are not supported; build the body with an expression @( … ) instead',
        input: payload.value,
        path: ['template'],
      });
    }
    if (payload.value['xsi-nil'] !== undefined) {
      payload.issues.push({
        code: 'custom',
        message: "'xsi-nil' applies to Liquid templates, which are not supported",
        input: payload.value,
        path: ['xsi-nil'],
      });
    }
  })
  .meta({ description: 'Replaces the body of the request or the response.' });

export type SetBodyConfig = z.infer<typeof setBodySchema>;
