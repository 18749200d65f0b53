import {
  POLICY_SECTIONS,
  type PolicyDocumentBody,
  type PolicyScope,
  type PolicySection,
  type PolicyStatement,
} from '../../db/schema/index.js';

export interface ScopedDocument {
  scope: PolicyScope;
  scopeId: string;
  /** Null when the scope has no document: it then inherits every section unchanged. */
  document: PolicyDocumentBody | null;
}

export interface EffectiveStatement {
  /** `path` is where the statement sits in its document, fragments inlined: `inbound[2]`. */
  origin: { scope: PolicyScope; scopeId: string; path: string };
  statement: PolicyStatement;
}

export type EffectivePolicy = Record<PolicySection, EffectiveStatement[]>;

/**
 * Flattens documents from the outermost scope (global) to the innermost (operation). As in
 * Azure, `base` marks where the enclosing scopes' statements run, and a section written
 * without it drops them; a section the document leaves out inherits them whole.
 */
export function mergePolicyScopes(documents: ScopedDocument[]): EffectivePolicy {
  const result = Object.fromEntries(POLICY_SECTIONS.map((s) => [s, [] as EffectiveStatement[]])) as EffectivePolicy;
  for (const { scope, scopeId, document } of documents) {
    if (!document) continue;
    for (const section of POLICY_SECTIONS) {
      const statements = document[section];
      if (!statements) continue;
      const outer = result[section];
      result[section] = statements.flatMap((statement, index) =>
        'base' in statement ? outer : [{ origin: { scope, scopeId, path: `${section}[${index}]` }, statement }],
      );
    }
  }
  return result;
}
