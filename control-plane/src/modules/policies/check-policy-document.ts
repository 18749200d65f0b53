import { and, eq, inArray } from 'drizzle-orm';
import { validatePolicyDocument, type PolicyDocument } from '@portico/gateway/schemas';
import type { Db } from '../../db/client.js';
import { namedValues, type PolicyFormat } from '../../db/schema/index.js';
import { PorticoError, type DocumentIssue } from '../../errors.js';
import { namedValueReferences } from '../named-values/named-value-fields.js';
import { checkDocumentIncludes } from '../policy-fragments/check-document-includes.js';

/**
 * Validates a policy document against the gateway's policy catalogue (schemas, sections, CEL
 * expressions), then checks that every `{{named value}}` and fragment it uses exists in the
 * workspace, and that each included fragment may run in the section that includes it. Throws
 * CP_ERR_VALIDATION listing each problem with its path and line.
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
    issues.push(...(await checkDocumentIncludes(tx, tenantId, workspaceId, result.document, { source, format })));
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
