import { z } from 'zod';
import { expression, type Expression } from '../../expressions/expression-schemas.js';
import { configObject } from '../fields.js';
import type { PolicyStatement, StatementListSchema } from '../policy-statement.js';

// Declared rather than inferred: the lists hold statements, which include choose itself, and
// TypeScript needs a named type to close that loop.
export interface ChooseConfig {
  when: { condition: Expression; statements: PolicyStatement[] }[];
  otherwise?: PolicyStatement[] | undefined;
}

/**
 * choose: runs the statements of the first `when` whose condition is true, else those of
 * `otherwise`. Built around the statement-list schema of the section it sits in, so nested
 * statements obey that section's rules.
 *
 * @example { "choose": { "when": [{ "condition": "@(request.method == \"DELETE\")", "statements": [{ "set-status": { "code": 405 } }] }], "otherwise": [{ "base": {} }] } }
 */
export function createChooseSchema(statements: StatementListSchema): z.ZodType<ChooseConfig> {
  return configObject({
    when: z
      .array(
        configObject({
          condition: expression('bool').describe('Boolean expression; the first true one wins.'),
          statements: statements.describe('Statements run when the condition is true.'),
        }),
      )
      .min(1)
      .describe('Branches, tried in order.'),
    otherwise: statements.optional().describe('Statements run when no condition is true.'),
  }).meta({ description: 'Runs the statements of the first branch whose condition is true, else the otherwise list.' });
}
