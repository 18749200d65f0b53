import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { findRevision, revisionContentOut, revisionContentSchema, revisionOut, revisionSchema } from './revision-out.js';
import { liveSnapshot, parseSnapshot } from './revision-snapshot.js';

/** One revision with its content. The current revision's content is the live API, not its stored copy. */
export const getRevision = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/apis/{apiId}/revisions/{revisionId}',
      tags: ['revisions'],
      summary: 'One revision and what it holds',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      revisionId: entityId('arev', 'revision'),
    }),
  )
  .output(revisionSchema.extend({ content: revisionContentSchema }))
  .query(({ ctx, input }) =>
    // One snapshot of the database: the current flag and the live rows are read together.
    ctx.deps.db.transaction(
      async (tx) => {
        const { tenantId } = ctx.actor;
        const api = await findApi(tx, tenantId, ctx.workspace.id, input.apiId);
        const row = await findRevision(tx, tenantId, api.id, input.revisionId);
        const content = row.isCurrent ? await liveSnapshot(tx, api) : parseSnapshot(row.snapshot, row.id);
        return { ...revisionOut(row), content: revisionContentOut(content) };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    ),
  );
