import { POLICY_SECTIONS, type PolicyDocumentBody, type PolicyStatement } from '../db/schema/index.js';

/** A workspace's fragments: name → statements. */
export type Fragments = Map<string, PolicyStatement[]>;

/**
 * Replaces every `include-fragment` statement, at any depth (inside `choose`, `retry`…), by
 * the fragment's statements, themselves inlined. The gateway has no fragments: it runs flat
 * lists (CONVENTIONS §4). Writes reject cycles and unknown names; `seen` guards anyway, so a
 * row written around the checks cannot loop the compiler.
 */
export function inlineFragments(document: PolicyDocumentBody, fragments: Fragments): PolicyDocumentBody {
  const out: PolicyDocumentBody = {};
  for (const section of POLICY_SECTIONS) {
    const statements = document[section];
    if (statements) out[section] = inlineList(statements, fragments, new Set());
  }
  return out;
}

function inlineList(statements: PolicyStatement[], fragments: Fragments, seen: Set<string>): PolicyStatement[] {
  return statements.flatMap((statement) => {
    const name = includedName(statement);
    if (name === undefined) return [inlineStatement(statement, fragments, seen)];
    const body = fragments.get(name);
    if (!body) throw new Error(`Policy fragment "${name}" does not exist`);
    if (seen.has(name)) throw new Error(`Policy fragment "${name}" includes itself`);
    return inlineList(body, fragments, new Set([...seen, name]));
  });
}

function inlineStatement(statement: PolicyStatement, fragments: Fragments, seen: Set<string>): PolicyStatement {
  return Object.fromEntries(Object.entries(statement).map(([key, config]) => [key, inlineValue(config, fragments, seen)]));
}

/** Statement lists nested in a statement's config (choose branches…) are inlined too. */
function inlineValue(value: unknown, fragments: Fragments, seen: Set<string>): unknown {
  if (Array.isArray(value)) {
    const isStatementList = value.some((item) => includedName(item) !== undefined);
    return isStatementList
      ? inlineList(value as PolicyStatement[], fragments, seen)
      : value.map((item) => inlineValue(item, fragments, seen));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, inlineValue(child, fragments, seen)]));
  }
  return value;
}

function includedName(statement: unknown): string | undefined {
  if (!statement || typeof statement !== 'object' || Array.isArray(statement)) return undefined;
  const include = (statement as Record<string, unknown>)['include-fragment'];
  if (!include || typeof include !== 'object') return undefined;
  const name = (include as Record<string, unknown>)['fragment-id'];
  return typeof name === 'string' ? name : undefined;
}
