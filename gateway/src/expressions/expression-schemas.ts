import { z } from 'zod';
import { checkExpression, isExpression, type ExpressionType } from './check-expression.js';

const expressionText = z
  .templateLiteral(['@(', z.string(), ')'], { error: 'expected an expression @( … )' })
  .describe('A CEL expression written @( … ), evaluated per request.');

/** A policy expression as written: `@(request.method == "GET")`. */
export type Expression = z.infer<typeof expressionText>;

/** Issue params carrying where in the written value a CEL problem is (see issue-errors.ts). */
export interface ExpressionIssueParams {
  expressionRange: { start: number; end: number };
}

// Runs on every string starting with `@(`, including one a plain-string literal branch accepted:
// like Azure, `@(` always starts an expression, so "@(oops" is an error, not text.
function checkExpressionValue(type: ExpressionType) {
  return (payload: z.core.ParsePayload<unknown>): void => {
    if (!isExpression(payload.value)) return;
    const problem = checkExpression(payload.value, type);
    if (!problem) return;
    const params: ExpressionIssueParams = { expressionRange: problem.range };
    const { start, end } = problem.range;
    const where = start === 0 && end === payload.value.length ? '' : ` (at character ${start + 1})`;
    payload.issues.push({
      code: 'custom',
      message: `invalid expression: ${problem.message}${where}`,
      input: payload.value,
      params,
    });
  };
}

/**
 * A slot that only takes an expression, such as a `choose` condition.
 *
 * @example expression('bool') // accepts "@(request.method == \"GET\")"
 */
export function expression(type: ExpressionType) {
  return expressionText.check(checkExpressionValue(type));
}

/**
 * A slot where Azure allows policy expressions: a literal of the slot's own schema, or an
 * expression returning `type`. Literal constraints (a positive integer…) apply to literals only;
 * an expression's value is checked by the gateway when it runs.
 *
 * @example orExpression(z.number().int().positive(), 'int') // accepts 100 or "@(int(variables.limit))"
 */
export function orExpression<Literal extends z.ZodType>(literal: Literal, type: ExpressionType) {
  return z.union([literal, expressionText]).check(checkExpressionValue(type));
}
