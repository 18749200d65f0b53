/**
 * Static cost rules for policy expressions, applied when a document is written and again when
 * the gateway compiles it. With them, one evaluation does at most a linear pass over each input
 * it reads (inputs are bounded by the runtime: see compile-expression.ts), so no expression can
 * stall a request:
 * - comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`) cannot nest: `a.map(x,
 *   b.filter(y, …))` is quadratic in the input (a thousand headers make a million steps);
 * - `matches` takes a literal pattern without backreferences, lookarounds or a repeated group
 *   that itself repeats or alternates — JavaScript regexes backtrack, and `^(a+)+$` takes
 *   seconds on 26 characters.
 */

/** A node of the library's AST, as far as these rules read it. */
interface AstNode {
  readonly op: string;
  readonly args: unknown;
  readonly range?: { start: number; end: number };
}

export interface CostProblem {
  message: string;
  /** Offsets into the CEL source (without `@(`), when known. */
  range: { start: number; end: number } | undefined;
}

export interface ExpressionCost {
  /** Comprehensions or regex matches: the runtime times these evaluations. */
  readonly iterates: boolean;
  /** Reads `request.body`: the gateway must buffer the body before the pipeline runs. */
  readonly readsRequestBody: boolean;
  /** Reads `response.body`: the gateway must buffer the backend's body before outbound. */
  readonly readsResponseBody: boolean;
}

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string';
}

function children(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const visit = (value: unknown): void => {
    if (isNode(value)) out.push(value);
    else if (Array.isArray(value)) for (const item of value) visit(item);
  };
  visit(node.args);
  return out;
}

/** rcall args: [name, receiver, arguments]; call args: [name, arguments]. */
function callName(node: AstNode): string | undefined {
  if ((node.op === 'rcall' || node.op === 'call') && Array.isArray(node.args) && typeof node.args[0] === 'string') {
    return node.args[0];
  }
  return undefined;
}

/**
 * `request` or `response` when `node` reads that message's body (`.body`, `.?body`, `["body"]`,
 * `[?"body"]`), else undefined.
 */
function bodyReadOf(node: AstNode): string | undefined {
  if (!Array.isArray(node.args)) return undefined;
  const [target, field] = node.args as [unknown, unknown];
  let named: unknown;
  if (node.op === '.' || node.op === '.?') named = field;
  else if ((node.op === '[]' || node.op === '[?]') && isNode(field) && field.op === 'value') named = field.args;
  if (named !== 'body' || !isNode(target) || target.op !== 'id') return undefined;
  return target.args === 'request' || target.args === 'response' ? target.args : undefined;
}

function callArguments(node: AstNode): unknown[] {
  const args = node.args as unknown[];
  const list = node.op === 'rcall' ? args[2] : args[1];
  return Array.isArray(list) ? (list as unknown[]) : [];
}

/**
 * Whether a JavaScript regex runs in time polynomial in its input, by a conservative reading:
 * no backreference, no lookaround, and no quantified group containing a quantifier or `|`
 * (the shapes behind exponential backtracking). Returns the reason it is refused.
 */
export function unsafeRegexReason(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not allowed in matches()';
  if (/\(\?<?[=!]/.test(pattern)) return 'lookarounds are not allowed in matches()';
  // Per open group: whether it holds a quantifier or an alternation.
  const groups: boolean[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (char === '[') {
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      continue;
    }
    if (char === '(') {
      groups.push(false);
      continue;
    }
    const quantified = char === '*' || char === '+' || char === '{';
    if (char === ')') {
      const inner = groups.pop() ?? false;
      const next = pattern[i + 1];
      if (inner && (next === '*' || next === '+' || next === '{')) {
        return 'a repeated group cannot itself repeat or alternate in matches() (exponential backtracking)';
      }
      if (groups.length > 0 && (inner || next === '*' || next === '+' || next === '{')) groups[groups.length - 1] = true;
      continue;
    }
    if ((quantified || char === '|') && groups.length > 0) groups[groups.length - 1] = true;
  }
  return undefined;
}

/**
 * Checks `ast` (the library's parse of one expression) against the cost rules. Returns the
 * first problem, or the cost facts the runtime needs.
 */
export function checkExpressionCost(ast: unknown): CostProblem | ExpressionCost {
  let iterates = false;
  let readsRequestBody = false;
  let readsResponseBody = false;
  const walk = (node: AstNode, insideComprehension: boolean): CostProblem | undefined => {
    const name = callName(node);
    let inside = insideComprehension;
    if (name !== undefined && node.op === 'rcall' && COMPREHENSIONS.has(name)) {
      if (insideComprehension) {
        return { message: `${name}() inside another comprehension is not allowed (quadratic cost)`, range: node.range };
      }
      iterates = true;
      inside = true;
    }
    if (name === 'matches') {
      iterates = true;
      const args = callArguments(node);
      const pattern = args[args.length - 1];
      if (!isNode(pattern) || pattern.op !== 'value' || typeof pattern.args !== 'string') {
        return { message: 'matches() needs a literal pattern', range: node.range };
      }
      const reason = unsafeRegexReason(pattern.args);
      if (reason !== undefined) return { message: reason, range: pattern.range };
    }
    const bodyOf = bodyReadOf(node);
    if (bodyOf === 'request') readsRequestBody = true;
    else if (bodyOf === 'response') readsResponseBody = true;
    for (const child of children(node)) {
      // The receiver of a comprehension is evaluated once, outside the loop.
      const childInside =
        inside && !(name !== undefined && inside !== insideComprehension && child === (node.args as unknown[])[1]);
      const problem = walk(child, childInside);
      if (problem) return problem;
    }
    return undefined;
  };
  if (!isNode(ast)) return { iterates, readsRequestBody, readsResponseBody };
  return walk(ast, false) ?? { iterates, readsRequestBody, readsResponseBody };
}

export function isCostProblem(value: CostProblem | ExpressionCost): value is CostProblem {
  return 'message' in value;
}
