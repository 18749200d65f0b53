import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { apis } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { revisionDiffSchema, diffSnapshots } from './revision-diff.js';
import { findRevision } from './revision-out.js';
import { liveSnapshot, parseSnapshot, type RevisionSnapshot } from './revision-snapshot.js';

const sideSchema = z.object({
  revisionId: z.string().nullable(),
  revision: z.number().nullable(),
  /** True when this side is the live API (the current revision, or no `toRevisionId`). */
  live: z.boolean(),
});

async function side(tx: Db, api: typeof apis.$inferSelect, revisionId: string | undefined) {
  if (revisionId === undefined) return { revisionId: null, revision: null, live: true, content: await liveSnapshot(tx, api) };
  const row = await findRevision(tx, api.tenantId, api.id, revisionId);
  // The current revision is the live rows; its stored copy is only refreshed when it stops being current.
  const content: RevisionSnapshot = row.isCurrent ? await liveSnapshot(tx, api) : parseSnapshot(row.snapshot, row.id);
  return { revisionId: row.id, revision: row.revision, live: row.isCurrent, content };
}

/** What would change going from one revision to another (or to the live API): operations by name. */
export const diffRevisions = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/apis/{apiId}/revisions/{fromRevisionId}/diff',
      tags: ['revisions'],
      summary: 'Differences between two revisions, or a revision and the live API',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      fromRevisionId: entityId('arev', 'revision'),
      toRevisionId: entityId('arev', 'revision').optional().meta({ description: 'Omit to compare with the live API' }),
    }),
  )
  .output(revisionDiffSchema.extend({ from: sideSchema, to: sideSchema }))
  .query(({ ctx, input }) =>
    ctx.deps.db.transaction(
      async (tx) => {
        const api = await findApi(tx, ctx.actor.tenantId, ctx.workspace.id, input.apiId);
        const { content: before, ...from } = await side(tx, api, input.fromRevisionId);
        const { content: after, ...to } = await side(tx, api, input.toRevisionId);
        return { from, to, ...diffSnapshots(before, after) };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    ),
  );
