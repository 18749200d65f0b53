import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, positiveInteger } from '../fields.js';
import type { PolicyStatement, StatementListSchema } from '../policy-statement.js';

// Declared rather than inferred: the statements may include limit-concurrency itself (see choose).
export interface LimitConcurrencyConfig {
  key: string;
  'max-count': number;
  statements: PolicyStatement[];
}

/**
 * limit-concurrency: runs its statements for at most max-count requests at a time per key;
 * further requests get 429 at once.
 *
 * @example { "limit-concurrency": { "key": "@(api.id)", "max-count": 20, "statements": [{ "forward-request": {} }] } }
 */
export function createLimitConcurrencySchema(statements: StatementListSchema): z.ZodType<LimitConcurrencyConfig> {
  return configObject({
    key: orExpression(z.string().min(1), 'string').describe('Requests sharing a key share the limit.'),
    'max-count': positiveInteger.describe('Requests allowed inside the statements at once, per key.'),
    statements: statements.describe('Statements whose concurrency is limited.'),
  }).meta({ description: 'Limits how many requests run its statements at once, per key; 429 beyond.' });
}
