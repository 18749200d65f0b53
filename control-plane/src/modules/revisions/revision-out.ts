import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { apiRevisions, apis } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { snapshotSchema, type RevisionSnapshot } from './revision-snapshot.js';

export type RevisionRow = typeof apiRevisions.$inferSelect;

export const revisionSchema = z.object({
  id: z.string(),
  apiId: z.string(),
  revision: z.number(),
  description: z.string(),
  isCurrent: z.boolean(),
  createdBy: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The spec text can be megabytes: a revision shows whether it has one, not the text. */
export const revisionContentSchema = snapshotSchema.extend({
  api: snapshotSchema.shape.api.omit({ sourceText: true }),
});

export function revisionOut(row: RevisionRow): z.infer<typeof revisionSchema> {
  return {
    id: row.id,
    apiId: row.apiId,
    revision: row.revision,
    description: row.description,
    isCurrent: row.isCurrent,
    createdBy: row.createdBy,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function revisionContentOut(snapshot: RevisionSnapshot): z.infer<typeof revisionContentSchema> {
  const { sourceText: _source, ...api } = snapshot.api;
  return { ...snapshot, api };
}

/** A revision of this API; another API's or tenant's id is NOT_FOUND. */
export async function findRevision(db: Db, tenantId: string, apiId: string, revisionId: string): Promise<RevisionRow> {
  const [row] = await db
    .select()
    .from(apiRevisions)
    .where(and(eq(apiRevisions.id, revisionId), eq(apiRevisions.apiId, apiId), eq(apiRevisions.tenantId, tenantId)));
  if (!row) throw notFound('Revision');
  return row;
}

export async function findCurrentRevision(db: Db, tenantId: string, apiId: string): Promise<RevisionRow | undefined> {
  const [row] = await db
    .select()
    .from(apiRevisions)
    .where(and(eq(apiRevisions.apiId, apiId), eq(apiRevisions.tenantId, tenantId), eq(apiRevisions.isCurrent, true)));
  return row;
}

/**
 * The API row, locked until commit: revision numbers and the current flag of one API change
 * one transaction at a time, and no edit of the API's settings slips between snapshot and restore.
 */
export async function lockApi(tx: Db, tenantId: string, workspaceId: string, apiId: string) {
  const [row] = await tx
    .select()
    .from(apis)
    .where(and(eq(apis.id, apiId), eq(apis.tenantId, tenantId), eq(apis.workspaceId, workspaceId)))
    .for('update');
  if (!row) throw notFound('API');
  return row;
}
