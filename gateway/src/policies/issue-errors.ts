import type { z } from 'zod';
import type { ExpressionIssueParams } from '../expressions/expression-schemas.js';

export interface IssueError {
  path: PropertyKey[];
  message: string;
  position?: { start: number; end: number };
}

function expressionPosition(issue: z.core.$ZodIssue): Pick<IssueError, 'position'> {
  if (issue.code !== 'custom') return {};
  const range = (issue.params as Partial<ExpressionIssueParams> | undefined)?.expressionRange;
  return range ? { position: range } : {};
}

// A union failed in every branch. A branch that reported something inside the value (a nested
// path) got past the value's shape: it is the one the author meant, so report only its issues.
// Otherwise each branch refused the value as a whole: say what each would have taken.
function unionErrors(issue: z.core.$ZodIssueInvalidUnion, path: PropertyKey[]): IssueError[] {
  const meant = issue.errors
    .filter((branch) => branch.some((inner) => inner.path.length > 0))
    .sort((a, b) => a.length - b.length)[0];
  if (meant) return issuesToErrors(meant, path);
  return [{ path, message: expectation(issue) }];
}

// What a value refused by every branch would have needed, unions of unions included:
// "expected string, or expected number, or expected an expression @( … )".
function expectation(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue.message;
  const messages = issue.errors.map((branch) => (branch[0] ? expectation(branch[0]) : issue.message));
  return [...new Set(messages)].join(', or ');
}

// configObject writes one message line per unknown key (fields.ts): report each key where it is.
function unknownKeyErrors(issue: z.core.$ZodIssueUnrecognizedKeys, path: PropertyKey[]): IssueError[] {
  const lines = issue.message.split('\n');
  if (lines.length !== issue.keys.length) return [{ path, message: issue.message }];
  return issue.keys.map((key, index) => ({ path: [...path, key], message: lines[index] ?? issue.message }));
}

/** Flattens zod issues into one error per problem, with absolute paths. */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): IssueError[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') return unionErrors(issue, path);
    if (issue.code === 'unrecognized_keys') return unknownKeyErrors(issue, path);
    return [{ path, message: issue.message, ...expressionPosition(issue) }];
  });
}

const PLAIN_KEY = /^[A-Za-z_$@][\w$@-]*$/;

/**
 * A path as authors read it: `inbound[2].rate-limit.calls`. Keys that are not plain names are
 * quoted: `["x.y"]`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}
