import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { apis, backends, operations, policyDocuments, type PolicyDocumentBody } from '../../db/schema/index.js';
import { pgErrorCode } from '../../db/errors.js';
import { PorticoError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { replaceOperations } from '../apis/import-into-api.js';
import type { ConfigChange } from '../config/record-config-change.js';
import { checkPolicyDocument } from '../policies/check-policy-document.js';
import type { RevisionSnapshot } from './revision-snapshot.js';

type ApiRow = typeof apis.$inferSelect;

interface CheckedDocument {
  format: 'json' | 'yaml';
  source: string;
  document: PolicyDocumentBody;
}

export interface Restored {
  api: ApiRow;
  operations: { created: number; updated: number; deleted: number };
  policies: { written: number; deleted: number };
  changes: ConfigChange[];
}

/**
 * Writes a snapshot into the live rows of `api` (locked by the caller): settings except
 * identity, operations matched by name (a kept name keeps its id, so analytics and product
 * links stay), and the api/operation policy documents. Everything the snapshot refers to
 * outside the API (backend, named values, fragments) is checked first, so a snapshot that no
 * longer fits the workspace is refused before anything is written.
 */
export async function restoreSnapshot(tx: Db, api: ApiRow, snapshot: RevisionSnapshot, label: string): Promise<Restored> {
  const { tenantId, workspaceId } = api;
  const backendId = snapshot.api.backendId;
  if (backendId !== null && backendId !== api.backendId) {
    const [backend] = await tx
      .select({ id: backends.id })
      .from(backends)
      .where(and(eq(backends.id, backendId), eq(backends.tenantId, tenantId), eq(backends.workspaceId, workspaceId)));
    if (!backend) {
      throw new PorticoError('CP_ERR_CONFLICT', {
        message: `${label} uses the backend ${backendId}, which no longer exists in this workspace`,
      });
    }
  }
  // Keyed by operation name, null for the API's own document.
  const documents = new Map<string | null, CheckedDocument>();
  for (const policy of snapshot.policies) {
    const where = policy.scope === 'api' ? 'the API policy' : `the policy of operation "${policy.operationName}"`;
    const document = await checkPolicyDocument(tx, tenantId, workspaceId, policy.source, policy.format).catch(
      (error: unknown) => {
        if (!(error instanceof PorticoError)) throw error;
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: `${label}: ${where} no longer fits the workspace: ${error.message}`,
          ...(error.issues ? { issues: error.issues } : {}),
        });
      },
    );
    documents.set(policy.scope === 'api' ? null : policy.operationName, {
      format: policy.format,
      source: policy.source,
      document,
    });
  }

  const { name, description, type, subscriptionRequired, subscriptionKeyHeaderName, subscriptionKeyQueryName } = snapshot.api;
  const { protocols, sourceFormat, sourceText } = snapshot.api;
  const [row] = await tx
    .update(apis)
    .set({
      name,
      description,
      type,
      backendId,
      subscriptionRequired,
      subscriptionKeyHeaderName,
      subscriptionKeyQueryName,
      protocols,
      sourceFormat,
      sourceText,
      version: sql`${apis.version} + 1`,
      updatedAt: new Date(),
    })
    .where(and(eq(apis.id, api.id), eq(apis.tenantId, tenantId)))
    .returning()
    .catch((error: unknown) => {
      // The backend was deleted since the check above (the foreign key is `no action`).
      if (pgErrorCode(error) === '23503')
        throw new PorticoError('CP_ERR_CONFLICT', { message: `${label} uses a backend that was just deleted` });
      throw error;
    });
  const changes: ConfigChange[] = [{ entityType: 'api', entityId: api.id, op: 'upsert' }];

  const opsBefore = await tx
    .select({ id: operations.id })
    .from(operations)
    .where(and(eq(operations.tenantId, tenantId), eq(operations.apiId, api.id)));
  const replaced = await replaceOperations(
    tx,
    api,
    snapshot.operations.map(({ id: _id, ...op }) => op),
  );
  changes.push(...replaced.changes);
  const opsAfter = await tx
    .select({ id: operations.id, name: operations.name })
    .from(operations)
    .where(and(eq(operations.tenantId, tenantId), eq(operations.apiId, api.id)));

  // Wanted documents by (scope, scope id); existing ones of the API and of every operation it
  // had or has. Same source: untouched; other source: rewritten under its id; unwanted: deleted.
  const wanted = new Map<string, { scope: 'api' | 'operation'; scopeId: string; doc: CheckedDocument }>();
  const apiDoc = documents.get(null);
  if (apiDoc) wanted.set(`api:${api.id}`, { scope: 'api', scopeId: api.id, doc: apiDoc });
  for (const op of opsAfter) {
    const doc = documents.get(op.name);
    if (doc) wanted.set(`operation:${op.id}`, { scope: 'operation', scopeId: op.id, doc });
  }
  const operationIds = [...new Set([...opsBefore, ...opsAfter].map((op) => op.id))];
  const existing = await tx
    .select()
    .from(policyDocuments)
    .where(
      and(
        eq(policyDocuments.tenantId, tenantId),
        sql`(${policyDocuments.scope} = 'api' and ${policyDocuments.scopeId} = ${api.id})${
          operationIds.length > 0
            ? sql` or (${policyDocuments.scope} = 'operation' and ${inArray(policyDocuments.scopeId, operationIds)})`
            : sql``
        }`,
      ),
    );
  let written = 0;
  let deleted = 0;
  for (const doc of existing) {
    const key = `${doc.scope}:${doc.scopeId}`;
    const want = wanted.get(key);
    wanted.delete(key);
    if (!want) {
      await tx.delete(policyDocuments).where(eq(policyDocuments.id, doc.id));
      changes.push({ entityType: 'policy_document', entityId: doc.id, op: 'delete' });
      deleted++;
    } else if (want.doc.source !== doc.source || want.doc.format !== doc.format) {
      await tx
        .update(policyDocuments)
        .set({
          format: want.doc.format,
          source: want.doc.source,
          document: want.doc.document,
          version: sql`${policyDocuments.version} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(policyDocuments.id, doc.id));
      changes.push({ entityType: 'policy_document', entityId: doc.id, op: 'upsert' });
      written++;
    }
  }
  for (const want of wanted.values()) {
    const id = newId('pol');
    await tx.insert(policyDocuments).values({
      id,
      tenantId,
      workspaceId,
      scope: want.scope,
      scopeId: want.scopeId,
      format: want.doc.format,
      source: want.doc.source,
      document: want.doc.document,
    });
    changes.push({ entityType: 'policy_document', entityId: id, op: 'upsert' });
    written++;
  }
  return {
    api: row!,
    operations: { created: replaced.created, updated: replaced.updated, deleted: replaced.deleted },
    policies: { written, deleted },
    changes,
  };
}
