import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { PolicyDocument } from '@portico/gateway/schemas';
import type { Db } from '../../db/client.js';
import { policyDocuments, type PolicyDocumentBody, type PolicyFormat } from '../../db/schema/index.js';
import { notFound, PorticoError, versionMismatch } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import type { Context } from '../../trpc/context.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { checkPolicyDocument } from './check-policy-document.js';
import type { PolicyTarget } from './policy-target.js';

type Row = typeof policyDocuments.$inferSelect;

export function policyDocumentOut(row: Row) {
  return {
    id: row.id,
    scope: row.scope,
    scopeId: row.scopeId,
    format: row.format,
    source: row.source,
    document: row.document as Record<string, Record<string, unknown>[]>,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findPolicyDocument(tx: Db, tenantId: string, target: PolicyTarget): Promise<Row | undefined> {
  const [row] = await tx
    .select()
    .from(policyDocuments)
    .where(
      and(
        eq(policyDocuments.tenantId, tenantId),
        eq(policyDocuments.scope, target.scope),
        eq(policyDocuments.scopeId, target.scopeId),
      ),
    );
  return row;
}

export async function requirePolicyDocument(tx: Db, tenantId: string, target: PolicyTarget): Promise<Row> {
  const row = await findPolicyDocument(tx, tenantId, target);
  if (!row) throw notFound(`Policy document for this ${target.scope}`);
  return row;
}

/**
 * Creates or replaces the document at one scope. `version` guards a replacement: give the
 * version read, or leave it out to create (an existing document then conflicts).
 */
export async function savePolicyDocument(
  tx: Db,
  ctx: Context,
  input: {
    tenantId: string;
    workspaceId: string | null;
    namedValueWorkspaceId: string;
    target: PolicyTarget;
    format: PolicyFormat;
    source: string;
    version?: number | undefined;
  },
): Promise<Row> {
  const document: PolicyDocument = await checkPolicyDocument(
    tx,
    input.tenantId,
    input.namedValueWorkspaceId,
    input.source,
    input.format,
  );
  const before = await findPolicyDocument(tx, input.tenantId, input.target);
  let row: Row | undefined;
  if (before) {
    if (input.version === undefined) {
      throw new PorticoError('CP_ERR_CONFLICT', {
        message: `A policy document exists at this ${input.target.scope}; send the version you read to replace it`,
        fields: { version: [`Current version is ${before.version}`] },
      });
    }
    [row] = await tx
      .update(policyDocuments)
      .set({
        format: input.format,
        source: input.source,
        document: document,
        version: sql`${policyDocuments.version} + 1`,
        updatedAt: new Date(),
      })
      .where(and(eq(policyDocuments.id, before.id), eq(policyDocuments.version, input.version)))
      .returning();
    if (!row) throw versionMismatch(before.version);
  } else {
    [row] = await tx
      .insert(policyDocuments)
      .values({
        id: newId('pol'),
        tenantId: input.tenantId,
        workspaceId: input.workspaceId,
        scope: input.target.scope,
        scopeId: input.target.scopeId,
        format: input.format,
        source: input.source,
        document: document as PolicyDocumentBody,
      })
      .returning();
  }
  await recordConfigChange(tx, input.tenantId, [{ entityType: 'policy_document', entityId: row!.id, op: 'upsert' }]);
  await recordAudit(tx, ctx, {
    tenantId: input.tenantId,
    workspaceId: input.workspaceId,
    action: before ? 'policy.update' : 'policy.create',
    targetType: `${input.target.scope}_policy`,
    targetId: input.target.scopeId,
    diff: { source: [before?.source ?? null, input.source] },
  });
  return row!;
}

export async function deletePolicyDocument(
  tx: Db,
  ctx: Context,
  tenantId: string,
  workspaceId: string | null,
  target: PolicyTarget,
): Promise<void> {
  const row = await requirePolicyDocument(tx, tenantId, target);
  await tx.delete(policyDocuments).where(eq(policyDocuments.id, row.id));
  await recordConfigChange(tx, tenantId, [{ entityType: 'policy_document', entityId: row.id, op: 'delete' }]);
  await recordAudit(tx, ctx, {
    tenantId,
    workspaceId,
    action: 'policy.delete',
    targetType: `${target.scope}_policy`,
    targetId: target.scopeId,
    diff: { source: [row.source, null] },
  });
}

/**
 * Deletes the documents attached to things being deleted — `scope_id` is polymorphic, so no
 * foreign key does it — each with its audit row (keeping the source) and config change.
 */
export async function deleteAttachedPolicyDocuments(
  tx: Db,
  ctx: Context,
  tenantId: string,
  workspaceId: string | null,
  targets: PolicyTarget[],
): Promise<number> {
  if (targets.length === 0) return 0;
  const idsByScope = new Map<PolicyTarget['scope'], string[]>();
  for (const t of targets) idsByScope.set(t.scope, [...(idsByScope.get(t.scope) ?? []), t.scopeId]);
  const removed = await tx
    .delete(policyDocuments)
    .where(
      and(
        eq(policyDocuments.tenantId, tenantId),
        or(
          ...[...idsByScope].map(([scope, ids]) => and(eq(policyDocuments.scope, scope), inArray(policyDocuments.scopeId, ids))),
        ),
      ),
    )
    .returning();
  if (removed.length === 0) return 0;
  await recordConfigChange(
    tx,
    tenantId,
    removed.map((doc) => ({ entityType: 'policy_document' as const, entityId: doc.id, op: 'delete' as const })),
  );
  for (const doc of removed) {
    await recordAudit(tx, ctx, {
      tenantId,
      workspaceId,
      action: 'policy.delete',
      targetType: `${doc.scope}_policy`,
      targetId: doc.scopeId,
      diff: { source: [doc.source, null] },
    });
  }
  return removed.length;
}
