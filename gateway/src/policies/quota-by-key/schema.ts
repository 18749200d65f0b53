import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, positiveInteger } from '../fields.js';
import { quotaPeriod, requireAmount } from '../quota/schema.js';

/**
 * quota-by-key: like quota, but counted per key an expression computes.
 *
 * @example { "quota-by-key": { "calls": 1000, "renewal-period": 3600, "counter-key": "@(request.ip)" } }
 */
export const quotaByKeySchema = configObject({
  calls: orExpression(positiveInteger, 'int').optional().describe('Calls allowed per key per period.'),
  bandwidth: orExpression(positiveInteger, 'int')
    .optional()
    .describe('Kilobytes (request and response bodies) allowed per key per period.'),
  'renewal-period': orExpression(quotaPeriod, 'int').describe(
    'Period in seconds after which the quota resets; 0 means it never resets.',
  ),
  'counter-key': orExpression(z.string().min(1), 'string').describe('The key usage is counted by.'),
  'increment-condition': orExpression(z.boolean(), 'bool')
    .optional()
    .describe('Count the call only when this is true (evaluated after the response).'),
  'increment-count': orExpression(positiveInteger, 'int').default(1).describe('How much one call adds to the count.'),
  'first-period-start': orExpression(z.iso.datetime({ offset: true }), 'string')
    .optional()
    .describe('When the first period starts (ISO 8601); periods are aligned on it.'),
})
  .check(requireAmount)
  .meta({ description: 'Caps calls and/or bandwidth per computed key over a period, across the whole fleet; 403 beyond it.' });

export type QuotaByKeyConfig = z.infer<typeof quotaByKeySchema>;
