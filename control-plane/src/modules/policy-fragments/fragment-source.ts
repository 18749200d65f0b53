import { parsePolicySource, validatePolicyDocument, policySections, type PolicySection } from '@portico/gateway/schemas';
import type { PolicyFormat, PolicyStatement } from '../../db/schema/index.js';
import type { DocumentIssue } from '../../errors.js';

/** The line (1-based) a path into the parsed text was written on, or its nearest written ancestor's. */
export type LineOf = (path: readonly PropertyKey[]) => number | undefined;

export type ParsedText = { ok: true; value: unknown; lineOf: LineOf } | { ok: false; issues: DocumentIssue[] };

/**
 * Parses policy text with the gateway's own parser (the one its validator uses), so a fragment —
 * a bare statement list, validated as a parsed value (see checkStatementList) — reads exactly
 * as a document would, with the same line locator.
 */
export function parsePolicyText(text: string, format: PolicyFormat): ParsedText {
  const parsed = parsePolicySource(text, format);
  if (parsed.ok) return { ok: true, value: parsed.value, lineOf: parsed.lineOf };
  return {
    ok: false,
    issues: parsed.problems.map((p) => ({ pointer: '', ...(p.line !== undefined && { line: p.line }), message: p.message })),
  };
}

const PLAIN_KEY = /^[A-Za-z_$@][\w$@-]*$/;

/** A path as the gateway writes it: `inbound[2].rate-limit.calls`, other keys quoted `["x.y"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** The inverse of formatPath, to find the line of a path the gateway's validator reported. */
export function parsePath(text: string): PropertyKey[] {
  const path: PropertyKey[] = [];
  const token = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z_$@][\w$@-]*)/y;
  let match: RegExpExecArray | null;
  while (token.lastIndex < text.length && (match = token.exec(text))) {
    if (match[1] !== undefined) path.push(Number(match[1]));
    else if (match[2] !== undefined) path.push(JSON.parse(match[2]) as string);
    else path.push(match[3]!);
  }
  return path;
}

export interface StatementError {
  /** Relative to the statement list: `[2].rate-limit.calls`. */
  path: PropertyKey[];
  message: string;
}

export type SectionCheck = { ok: true; statements: PolicyStatement[] } | { ok: false; errors: StatementError[] };

/**
 * Checks a statement list against the policy catalogue with the rules of one section. The
 * gateway validates whole documents only, so the list is wrapped as that section of one and the
 * section is cut off the paths of the errors.
 */
export function checkStatementList(statements: unknown, section: PolicySection): SectionCheck {
  const result = validatePolicyDocument({ [section]: statements });
  if (result.ok) return { ok: true, statements: result.document[section] ?? [] };
  return {
    ok: false,
    errors: result.errors.map((e) => {
      const path = parsePath(e.path);
      return { path: path[0] === section ? path.slice(1) : path, message: e.message };
    }),
  };
}

export type StatementListCheck =
  | {
      ok: true;
      /** As the catalogue normalised them (defaults filled in), from the first section they fit. */
      statements: PolicyStatement[];
      /** The sections every statement may run in: where the fragment can be included. */
      sections: PolicySection[];
      /** The errors the list has in each other section. */
      errorsIn: Partial<Record<PolicySection, StatementError[]>>;
    }
  | { ok: false; errors: StatementError[] };

/**
 * A fragment's statements are not tied to a section: they are valid when they fit at least one
 * (each document that includes them then checks its own section). When they fit none, the
 * errors of the section they come closest to fitting are the useful ones.
 */
export function checkFragmentStatements(value: unknown): StatementListCheck {
  if (!Array.isArray(value)) {
    return {
      ok: false,
      errors: [{ path: [], message: 'a fragment is a list of policy statements, such as [{ "set-header": { … } }]' }],
    };
  }
  const errors: StatementError[] = [];
  (value as unknown[]).forEach((item, index) => {
    if (item && typeof item === 'object' && Object.hasOwn(item, 'base')) {
      // `base` is where the enclosing scope's statements run; only a document's own sections can say that.
      errors.push({ path: [index, 'base'], message: 'base cannot be used in a fragment, only in a policy document' });
    }
  });
  const checks = policySections.map((section) => ({ section, check: checkStatementList(value, section) }));
  const fitting = checks.filter((c) => c.check.ok);
  if (errors.length > 0 || fitting.length === 0) {
    const closest = checks
      .map((c) => (c.check.ok ? [] : c.check.errors))
      .reduce((best, next) => (next.length < best.length ? next : best));
    // In statement order, so the base errors sit among the others by line.
    const index = (e: StatementError) => (typeof e.path[0] === 'number' ? e.path[0] : -1);
    return { ok: false, errors: [...errors, ...closest].sort((a, b) => index(a) - index(b)) };
  }
  const errorsIn: Partial<Record<PolicySection, StatementError[]>> = {};
  for (const { section, check } of checks) if (!check.ok) errorsIn[section] = check.errors;
  const first = fitting[0]!.check as { ok: true; statements: PolicyStatement[] };
  return { ok: true, statements: first.statements, sections: fitting.map((c) => c.section), errorsIn };
}

/** Document issues for statement errors, located in the text the statements were parsed from. */
export function issuesOf(errors: StatementError[], lineOf: LineOf, prefix: readonly PropertyKey[] = []): DocumentIssue[] {
  return errors.map((e) => {
    const path = [...prefix, ...e.path];
    const line = lineOf(path);
    return { pointer: formatPath(path), ...(line !== undefined && { line }), message: e.message };
  });
}

/** The line of the first `{{name}}` in a text, for a named value that does not exist. */
export function lineOfText(text: string, needle: string): number | undefined {
  const at = text.indexOf(needle);
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}
