import { formatPath, issuesToErrors } from './issue-errors.js';
import { policyDocumentSchema, type PolicyDocument } from './policy-document.js';
import { parseSource, type LineLocator, type SourceFormat } from './source-text.js';

export interface PolicyDocumentError {
  /** Where the problem is, e.g. `inbound[2].rate-limit.calls`; '' for the document as a whole. */
  path: string;
  /** 1-based line in the text, when the document was given as text. */
  line?: number;
  message: string;
  /** For an expression: where in the written value (`@(` included) the problem is; end exclusive. */
  position?: { start: number; end: number };
}

export type PolicyDocumentValidation = { ok: true; document: PolicyDocument } | { ok: false; errors: PolicyDocumentError[] };

export interface ValidatePolicyDocumentOptions {
  /** Format of text input; by default JSON when it starts with `{` or `[`, else YAML. */
  format?: SourceFormat;
}

// Far deeper than any real document (each choose level adds five), shallow enough that the
// recursive checks that follow cannot exhaust the stack.
const MAX_DEPTH = 64;

function exceedsDepth(value: unknown, budget: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (budget === 0) return true;
  return Object.values(value).some((child) => exceedsDepth(child, budget - 1));
}

function failure(path: string, message: string, line: number | undefined): PolicyDocumentValidation {
  return { ok: false, errors: [{ path, ...(line !== undefined && { line }), message }] };
}

/**
 * Validates a policy document given as JSON or YAML text, or as an already parsed value, and
 * reports every problem found (not only the first) with its path, its line when the input was
 * text, and for expressions the position inside the expression.
 *
 * @example
 * const result = validatePolicyDocument('inbound:\n  - rate-limit: { calls: 0, renewal-period: 60 }\n');
 * // → { ok: false, errors: [{ path: 'inbound[0].rate-limit.calls', line: 2, message: 'Too small: expected number to be >0' }] }
 */
export function validatePolicyDocument(input: unknown, options: ValidatePolicyDocumentOptions = {}): PolicyDocumentValidation {
  let value = input;
  let lineOf: LineLocator = () => undefined;
  if (typeof input === 'string') {
    const source = parseSource(input, options.format);
    if (!source.ok) return { ok: false, errors: source.problems.map((problem) => ({ path: '', ...problem })) };
    ({ value, lineOf } = source);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure('', 'a policy document is an object with inbound, backend, outbound and on-error statement lists', lineOf([]));
  }
  if (exceedsDepth(value, MAX_DEPTH)) {
    return failure('', `the document nests deeper than ${MAX_DEPTH} levels`, undefined);
  }
  const result = policyDocumentSchema.safeParse(value);
  if (result.success) return { ok: true, document: result.data };
  const errors = issuesToErrors(result.error.issues).map(({ path, message, position }): PolicyDocumentError => {
    const line = lineOf(path);
    return { path: formatPath(path), ...(line !== undefined && { line }), message, ...(position && { position }) };
  });
  return { ok: false, errors };
}
