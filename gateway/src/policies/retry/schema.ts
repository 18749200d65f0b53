import { z } from 'zod';
import { orExpression, type Expression } from '../../expressions/expression-schemas.js';
import { configObject, positiveInteger, seconds } from '../fields.js';
import type { PolicyStatement, StatementListSchema } from '../policy-statement.js';

// Declared rather than inferred: the statements may include retry itself (see choose).
export interface RetryConfig {
  condition: boolean | Expression;
  count: number | Expression;
  interval: number | Expression;
  'max-interval'?: number | Expression | undefined;
  delta?: number | Expression | undefined;
  'first-fast-retry': boolean | Expression;
  statements: PolicyStatement[];
}

/**
 * retry: runs its statements once, then again while the condition is true, up to count retries,
 * waiting a fixed, linear (delta) or exponential (delta and max-interval) interval between them.
 *
 * @example { "retry": { "condition": "@(response.status >= 500)", "count": 3, "interval": 1, "delta": 1, "max-interval": 10, "statements": [{ "forward-request": { "buffer-request-body": true } }] } }
 */
export function createRetrySchema(statements: StatementListSchema): z.ZodType<RetryConfig> {
  return configObject({
    condition: orExpression(z.boolean(), 'bool').describe('Retry while this is true (checked after each attempt).'),
    count: orExpression(z.number().int().min(1).max(50), 'int').describe('Retries after the first attempt (1–50).'),
    interval: orExpression(seconds, 'int').describe('Seconds to wait between attempts.'),
    'max-interval': orExpression(positiveInteger, 'int')
      .optional()
      .describe('Longest wait, in seconds, of the exponential algorithm.'),
    delta: orExpression(positiveInteger, 'int').optional().describe('Seconds added to the wait at each retry.'),
    'first-fast-retry': orExpression(z.boolean(), 'bool').default(false).describe('Make the first retry at once.'),
    statements: statements.describe('Statements to run and retry.'),
  })
    .check((payload) => {
      const { interval, delta, 'max-interval': maxInterval } = payload.value;
      // max-interval only caps the exponential algorithm, which needs delta.
      if (maxInterval !== undefined && delta === undefined) {
        payload.issues.push({
          code: 'custom',
          message: "'max-interval' needs 'delta'",
          input: maxInterval,
          path: ['max-interval'],
        });
      }
      if (typeof maxInterval === 'number' && typeof interval === 'number' && maxInterval < interval) {
        payload.issues.push({
          code: 'custom',
          message: "'max-interval' must not be less than 'interval'",
          input: maxInterval,
          path: ['max-interval'],
        });
      }
    })
    .meta({
      description: 'Runs its statements, retrying them while a condition holds, with a fixed, linear or exponential wait.',
    });
}
