import { and, asc, eq, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import {
  API_PROTOCOLS,
  API_SPEC_FORMATS,
  API_TYPES,
  POLICY_FORMATS,
  operations,
  policyDocuments,
  type ApiRevisionSnapshot,
  type OperationBinding,
  type OperationParameter,
  type OperationRequest,
  type OperationResponse,
  type apis,
} from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';

type ApiRow = typeof apis.$inferSelect;

/**
 * What a revision holds, as stored in `api_revisions.snapshot`: the API's settings, its
 * operations and the policy documents at api and operation scope. Operations and their
 * policies are keyed by operation name (ids change when an operation is re-created, names are
 * what a restore matches on). Nested operation fields (parameters, request…) are kept as
 * written, already validated when they were.
 */
export const snapshotSchema = z.object({
  api: z.object({
    name: z.string(),
    description: z.string(),
    type: z.enum(API_TYPES),
    backendId: z.string().nullable(),
    subscriptionRequired: z.boolean(),
    subscriptionKeyHeaderName: z.string(),
    subscriptionKeyQueryName: z.string(),
    protocols: z.array(z.enum(API_PROTOCOLS)),
    sourceFormat: z.enum(API_SPEC_FORMATS).nullable(),
    sourceText: z.string().nullable(),
    /** Identity, recorded for reading only: a restore never moves the API. */
    path: z.string(),
    /** Absent from snapshots taken before APIs had host names, when they answered on any host. */
    hostnames: z.array(z.string()).default([]),
    versionSetId: z.string().nullable(),
    apiVersion: z.string(),
  }),
  operations: z.array(
    z.object({
      /** The id the operation had when the snapshot was taken; informational. */
      id: z.string(),
      name: z.string(),
      description: z.string(),
      method: z.string(),
      urlTemplate: z.string(),
      parameters: z.array(z.unknown()),
      request: z.unknown(),
      responses: z.array(z.unknown()),
      tags: z.array(z.string()),
      binding: z.unknown(),
    }),
  ),
  policies: z.array(
    z.object({
      scope: z.enum(['api', 'operation']),
      /** For operation scope: the operation's name. */
      operationName: z.string().nullable(),
      format: z.enum(POLICY_FORMATS),
      source: z.string(),
    }),
  ),
});
type SnapshotShape = z.infer<typeof snapshotSchema>;

/** The nested operation fields were validated when written; the schema checks only the outline. */
export type SnapshotOperation = Omit<SnapshotShape['operations'][number], 'parameters' | 'request' | 'responses' | 'binding'> & {
  parameters: OperationParameter[];
  request: OperationRequest | null;
  responses: OperationResponse[];
  binding: OperationBinding | null;
};
export type RevisionSnapshot = Omit<SnapshotShape, 'operations'> & { operations: SnapshotOperation[] };

/** Reads a stored snapshot; a row that does not parse is a bug or a bad migration, never the caller's fault. */
export function parseSnapshot(stored: ApiRevisionSnapshot, revisionId: string): RevisionSnapshot {
  const parsed = snapshotSchema.safeParse(stored);
  if (!parsed.success) {
    throw new PorticoError('CP_ERR_INTERNAL', {
      message: `The snapshot of revision ${revisionId} is unreadable`,
      cause: parsed.error,
    });
  }
  return parsed.data as RevisionSnapshot;
}

export function toStored(snapshot: RevisionSnapshot): ApiRevisionSnapshot {
  return snapshot;
}

/** The live state of an API: what its current revision is. Operations in name order. */
export async function liveSnapshot(tx: Db, api: ApiRow): Promise<RevisionSnapshot> {
  const ops = await tx
    .select()
    .from(operations)
    .where(and(eq(operations.tenantId, api.tenantId), eq(operations.apiId, api.id)))
    .orderBy(asc(operations.name));
  const nameOf = new Map(ops.map((op) => [op.id, op.name]));
  const docs = await tx
    .select()
    .from(policyDocuments)
    .where(
      and(
        eq(policyDocuments.tenantId, api.tenantId),
        or(
          and(eq(policyDocuments.scope, 'api'), eq(policyDocuments.scopeId, api.id)),
          ops.length > 0
            ? and(eq(policyDocuments.scope, 'operation'), inArray(policyDocuments.scopeId, [...nameOf.keys()]))
            : undefined,
        ),
      ),
    );
  const policies = docs
    .map((doc) => ({
      scope: doc.scope === 'api' ? ('api' as const) : ('operation' as const),
      operationName: doc.scope === 'api' ? null : nameOf.get(doc.scopeId)!,
      format: doc.format,
      source: doc.source,
    }))
    .sort((a, b) => ((a.operationName ?? '') < (b.operationName ?? '') ? -1 : 1));
  return {
    api: {
      name: api.name,
      description: api.description,
      type: api.type,
      backendId: api.backendId,
      subscriptionRequired: api.subscriptionRequired,
      subscriptionKeyHeaderName: api.subscriptionKeyHeaderName,
      subscriptionKeyQueryName: api.subscriptionKeyQueryName,
      protocols: api.protocols,
      sourceFormat: api.sourceFormat,
      sourceText: api.sourceText,
      path: api.path,
      hostnames: api.hostnames,
      versionSetId: api.versionSetId,
      apiVersion: api.apiVersion,
    },
    operations: ops.map((op) => ({
      id: op.id,
      name: op.name,
      description: op.description,
      method: op.method,
      urlTemplate: op.urlTemplate,
      parameters: op.parameters,
      request: op.request ?? null,
      responses: op.responses,
      tags: op.tags,
      binding: op.binding ?? null,
    })),
    policies,
  };
}
