import { and, eq, inArray } from 'drizzle-orm';
import { validatePolicyDocument, type PolicyDocument } from '@portico/gateway/schemas';
import type { Db } from '../../db/client.js';
import { namedValues, policyFragments, type PolicyFormat } from '../../db/schema/index.js';
import { PorticoError, type DocumentIssue } from '../../errors.js';
import { namedValueReferences } from '../named-values/named-value-fields.js';

function fragmentIds(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) fragmentIds(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'include-fragment' && child && typeof child === 'object') {
        const id = (child as Record<string, unknown>)['fragment-id'];
        if (typeof id === 'string') found.add(id);
      }
      fragmentIds(child, found);
    }
  }
  return found;
}

/**
 * Validates a policy document against the gateway's policy catalogue (schemas, sections, CEL
 * expressions), then checks that every `{{named value}}` and fragment it uses exists in the
 * workspace. Throws CP_ERR_VALIDATION listing each problem with its path and line.
 */
export async function checkPolicyDocument(
  tx: Db,
  tenantId: string,
  workspaceId: string,
  source: string,
  format: PolicyFormat,
): Promise<PolicyDocument> {
  const result = validatePolicyDocument(source, { format });
  const issues: DocumentIssue[] = result.ok
    ? []
    : result.errors.map((e) => ({
        pointer: e.path,
        ...(e.line !== undefined ? { line: e.line } : {}),
        message: e.message,
      }));
  if (result.ok) {
    const names = [...namedValueReferences(source)];
    if (names.length > 0) {
      const known = await tx
        .select({ name: namedValues.name })
        .from(namedValues)
        .where(
          and(eq(namedValues.tenantId, tenantId), eq(namedValues.workspaceId, workspaceId), inArray(namedValues.name, names)),
        );
      const knownNames = new Set(known.map((k) => k.name));
      for (const name of names.filter((n) => !knownNames.has(n)))
        issues.push({ pointer: '', message: `{{${name}}} is not a named value of this workspace` });
    }
    const fragments = [...fragmentIds(result.document, new Set())];
    if (fragments.length > 0) {
      const known = await tx
        .select({ name: policyFragments.name })
        .from(policyFragments)
        .where(
          and(
            eq(policyFragments.tenantId, tenantId),
            eq(policyFragments.workspaceId, workspaceId),
            inArray(policyFragments.name, fragments),
          ),
        );
      const knownNames = new Set(known.map((k) => k.name));
      for (const id of fragments.filter((f) => !knownNames.has(f)))
        issues.push({ pointer: '', message: `fragment "${id}" does not exist in this workspace` });
    }
  }
  if (issues.length > 0 || !result.ok) {
    const first = issues[0]!;
    throw new PorticoError('CP_ERR_VALIDATION', {
      message: `The policy document has ${issues.length} problem(s); first: ${first.pointer || '(document)'}${first.line ? ` (line ${first.line})` : ''}: ${first.message}`,
      issues,
    });
  }
  return result.document;
}
