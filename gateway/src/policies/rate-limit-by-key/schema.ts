import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, positiveInteger } from '../fields.js';
import { rateLimitReporting, renewalPeriod } from '../rate-limit/schema.js';

/**
 * rate-limit-by-key: like rate-limit, but counted per key an expression computes (client IP,
 * a JWT claim…), so it also protects APIs called without a subscription.
 *
 * @example { "rate-limit-by-key": { "calls": 10, "renewal-period": 60, "counter-key": "@(request.ip)" } }
 */
export const rateLimitByKeySchema = configObject({
  calls: orExpression(positiveInteger, 'int').describe('Calls allowed per key per window.'),
  'renewal-period': orExpression(renewalPeriod, 'int').describe(
    'Window length in seconds (1–300); the count restarts when it ends.',
  ),
  'counter-key': orExpression(z.string().min(1), 'string').describe('The key calls are counted by.'),
  'increment-condition': orExpression(z.boolean(), 'bool')
    .optional()
    .describe('Count the call only when this is true (evaluated after the response, e.g. on status).'),
  'increment-count': orExpression(positiveInteger, 'int').default(1).describe('How much one call adds to the count.'),
  ...rateLimitReporting,
})
  .check((payload) => {
    const { calls, 'increment-count': increment } = payload.value;
    if (typeof calls === 'number' && typeof increment === 'number' && increment > calls) {
      payload.issues.push({
        code: 'custom',
        message: `increment-count (${increment}) is larger than calls (${calls}): every call would be refused`,
        input: increment,
        path: ['increment-count'],
      });
    }
  })
  .meta({ description: 'Limits calls per computed key (IP, claim…) to a number per time window; answers 429 beyond it.' });

export type RateLimitByKeyConfig = z.infer<typeof rateLimitByKeySchema>;
