import { validatePolicyDocument, policySections, type PolicySection } from '@portico/gateway/schemas';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { PolicyFormat, PolicyStatement } from '../../db/schema/index.js';
import type { DocumentIssue } from '../../errors.js';

/** The line (1-based) a path into the parsed text was written on, or its nearest written ancestor's. */
export type LineOf = (path: readonly PropertyKey[]) => number | undefined;

export type ParsedText = { ok: true; value: unknown; lineOf: LineOf } | { ok: false; issues: DocumentIssue[] };

function locator(document: Document, lineCounter: LineCounter): LineOf {
  const lineAt = (node: unknown) => (isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined);
  return (path) => {
    let node: unknown = document.contents;
    let line = lineAt(node);
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(document);
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        line = lineAt(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment];
        line = lineAt(node) ?? line;
      } else {
        break;
      }
    }
    return line;
  };
}

const lineAtOffset = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/**
 * Parses policy text as the gateway's validator does (JSON.parse decides what JSON is; YAML with
 * the same alias budget), keeping a line locator. The gateway exports no parser of its own, and
 * a fragment — a bare statement list — is validated as a parsed value (see checkStatementList).
 */
export function parsePolicyText(text: string, format: PolicyFormat): ParsedText {
  const lineCounter = new LineCounter();
  if (format === 'json') {
    const document = parseDocument(text, { lineCounter, schema: 'json', prettyErrors: false });
    try {
      const value: unknown = JSON.parse(text);
      return { ok: true, value, lineOf: document.errors.length === 0 ? locator(document, lineCounter) : () => undefined };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const position = /at position (\d+)/.exec(message)?.[1];
      // Node's message has no position for some errors: the same text read as YAML places them.
      const firstYamlError = document.errors[0];
      const line =
        position !== undefined
          ? lineAtOffset(text, Number(position))
          : message.includes('end of JSON input')
            ? lineAtOffset(text, text.length)
            : firstYamlError && lineCounter.linePos(firstYamlError.pos[0]).line;
      return { ok: false, issues: [{ pointer: '', ...(line !== undefined && { line }), message: `invalid JSON: ${message}` }] };
    }
  }
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((e) => ({
        pointer: '',
        line: lineCounter.linePos(e.pos[0]).line,
        message: `invalid YAML: ${e.message}`,
      })),
    };
  }
  try {
    // The alias budget stops "billion laughs" texts from expanding without bound.
    return { ok: true, value: document.toJS({ maxAliasCount: 100 }), lineOf: locator(document, lineCounter) };
  } catch (error) {
    return {
      ok: false,
      issues: [{ pointer: '', message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}` }],
    };
  }
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
  return at < 0 ? undefined : lineAtOffset(text, at);
}
