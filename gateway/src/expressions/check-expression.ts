import { ParseError, type ParseResult } from '@marcbachmann/cel-js';
import { checkExpressionCost, isCostProblem } from './expression-cost.js';
import { createPolicyExpressionEnvironment } from './policy-expression-environment.js';

/** What a value slot needs an expression to return; `dyn` accepts anything. */
export const ExpressionType = {
  string: 'string',
  int: 'int',
  double: 'double',
  bool: 'bool',
  dyn: 'dyn',
} as const;
export type ExpressionType = (typeof ExpressionType)[keyof typeof ExpressionType];

/** Offsets into the value as written, `@(` included, end exclusive. */
export interface ExpressionRange {
  start: number;
  end: number;
}

export interface ExpressionProblem {
  message: string;
  range: ExpressionRange;
}

const PREFIX = '@(';

// Types a CEL result may have for each slot. `dyn` (a map lookup, a body field) is accepted
// everywhere: only the gateway can check it, when the request runs.
const accepted: Record<Exclude<ExpressionType, 'dyn'>, ReadonlySet<string>> = {
  string: new Set(['string', 'dyn']),
  int: new Set(['int', 'uint', 'dyn']),
  double: new Set(['double', 'int', 'uint', 'dyn']),
  bool: new Set(['bool', 'dyn']),
};

// Built once per process: building an environment is the expensive part of the library.
const environment = createPolicyExpressionEnvironment();

function shifted(range: { start: number; end: number } | undefined, whole: ExpressionRange): ExpressionRange {
  return range ? { start: range.start + PREFIX.length, end: range.end + PREFIX.length } : whole;
}

export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/**
 * Parses and type-checks a value written `@( … )`, and applies the cost rules of
 * expression-cost.ts. Returns the first problem (the library stops
 * at the first error) with its range in the written value, or undefined when the expression is
 * well-typed and returns what the slot needs.
 *
 * @example checkExpression('@(reqest.method)', 'string')
 * // → { message: 'Unknown variable: reqest', range: { start: 2, end: 8 } }
 */
export function checkExpression(written: string, type: ExpressionType): ExpressionProblem | undefined {
  if (!written.endsWith(')')) {
    return { message: "an expression must end with ')'", range: { start: written.length, end: written.length } };
  }
  const source = written.slice(PREFIX.length, -1);
  const whole = { start: 0, end: written.length };
  if (source.trim() === '') return { message: 'empty expression', range: whole };

  let parsed: ParseResult;
  try {
    parsed = environment.parse(source);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return { message: error.summary, range: shifted(error.range, whole) };
  }
  const result = parsed.check();
  if (!result.valid) {
    const error = result.error;
    return { message: error?.summary ?? 'invalid expression', range: shifted(error?.range, whole) };
  }
  const cost = checkExpressionCost(parsed.ast);
  if (isCostProblem(cost)) return { message: cost.message, range: shifted(cost.range, whole) };
  const returned = result.type ?? 'dyn';
  if (type !== 'dyn' && !accepted[type].has(returned)) {
    return { message: `the expression returns ${returned}, expected ${type}`, range: whole };
  }
  return undefined;
}
