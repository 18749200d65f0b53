import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { operations, policyDocuments } from '../../db/schema/index.js';
import { PorticoError, type DocumentIssue } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import type { ConfigChange } from '../config/record-config-change.js';
import { normalizeParameters } from '../operations/operation-fields.js';
import type { ImportedOperation } from './import/imported-api.js';

/**
 * Replaces an API's operations with the imported ones, matching by name so an operation that
 * survives a re-import keeps its id (and so its policies and analytics). Checks the whole set
 * before writing anything.
 */
export async function replaceOperations(
  tx: Db,
  api: { id: string; tenantId: string; workspaceId: string },
  imported: ImportedOperation[],
): Promise<{ created: number; updated: number; deleted: number; changes: ConfigChange[] }> {
  const issues: DocumentIssue[] = [];
  const routes = new Map<string, string>();
  const names = new Set<string>();
  const prepared = imported.map((op, index) => {
    const pointer = `/operations/${index}`;
    if (names.has(op.name)) issues.push({ pointer, message: `Operation name "${op.name}" appears twice` });
    names.add(op.name);
    try {
      const { parameters, shape } = normalizeParameters(op.urlTemplate, op.parameters);
      const route = `${op.method} ${shape}`;
      const clash = routes.get(route);
      if (clash) issues.push({ pointer, message: `${op.method} ${op.urlTemplate} is ambiguous with operation "${clash}"` });
      routes.set(route, op.name);
      return { ...op, parameters };
    } catch (error) {
      issues.push({ pointer, message: `${op.name}: ${error instanceof Error ? error.message : String(error)}` });
      return op;
    }
  });
  if (issues.length > 0) {
    throw new PorticoError('CP_ERR_VALIDATION', {
      message: `The document has ${issues.length} problem(s): ${issues[0]!.message}`,
      issues,
    });
  }

  const existing = await tx
    .select({ id: operations.id, name: operations.name, version: operations.version, createdAt: operations.createdAt })
    .from(operations)
    .where(and(eq(operations.apiId, api.id), eq(operations.tenantId, api.tenantId)));
  const byName = new Map(existing.map((o) => [o.name, o]));
  const gone = existing.filter((o) => !names.has(o.name)).map((o) => o.id);
  const changes: ConfigChange[] = gone.map((id) => ({ entityType: 'operation', entityId: id, op: 'delete' }));
  if (gone.length > 0) {
    await tx.delete(operations).where(inArray(operations.id, gone));
    // Policies of operations the document no longer has would otherwise linger unattached.
    const orphaned = await tx
      .delete(policyDocuments)
      .where(
        and(
          eq(policyDocuments.tenantId, api.tenantId),
          eq(policyDocuments.scope, 'operation'),
          inArray(policyDocuments.scopeId, gone),
        ),
      )
      .returning({ id: policyDocuments.id });
    changes.push(...orphaned.map((p) => ({ entityType: 'policy_document' as const, entityId: p.id, op: 'delete' as const })));
  }
  let created = 0;
  let updated = 0;
  const now = new Date();
  const rows = prepared.map((op) => {
    const kept = byName.get(op.name);
    if (kept) updated++;
    else created++;
    const id = kept?.id ?? newId('op');
    changes.push({ entityType: 'operation', entityId: id, op: 'upsert' });
    return {
      id,
      tenantId: api.tenantId,
      workspaceId: api.workspaceId,
      apiId: api.id,
      name: op.name,
      description: op.description,
      method: op.method,
      urlTemplate: op.urlTemplate,
      parameters: op.parameters,
      request: op.request,
      responses: op.responses,
      tags: op.tags,
      binding: op.binding,
      version: kept ? kept.version + 1 : 1,
      createdAt: kept?.createdAt ?? now,
      updatedAt: now,
    };
  });
  // A kept operation is replaced row for row under its id, version bumped: the id is what
  // policies and analytics refer to, and a stale editor must still get a version mismatch.
  const keptIds = rows.filter((r) => byName.has(r.name)).map((r) => r.id);
  if (keptIds.length > 0) await tx.delete(operations).where(inArray(operations.id, keptIds));
  for (let i = 0; i < rows.length; i += 500) await tx.insert(operations).values(rows.slice(i, i + 500));
  return { created, updated, deleted: gone.length, changes };
}
