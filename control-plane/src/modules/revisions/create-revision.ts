import { and, eq, max } from 'drizzle-orm';
import { z } from 'zod';
import { apiRevisions } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { findCurrentRevision, lockApi, revisionOut, revisionSchema } from './revision-out.js';
import { liveSnapshot, toStored } from './revision-snapshot.js';

/** Describes revision 1 when revisions begin: it is the live API as it was before any revision. */
export const INITIAL_REVISION_DESCRIPTION = 'The API when its first revision was taken';

/**
 * Takes a revision: a copy of the live API (settings, operations, api and operation policies)
 * under the next number. The live rows stay the current revision; the new one is a restore
 * point for `makeCurrent`. The first call on an API also records the live state as revision 1,
 * current, so that once an API has revisions exactly one of them is current; it then returns
 * revision 2. Changes no gateway config: nothing live moves.
 */
export const createRevision = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/apis/{apiId}/revisions',
      tags: ['revisions'],
      summary: 'Take a revision of the live API',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      description: z.string().max(2000).default('').meta({ description: 'What this revision is for' }),
    }),
  )
  .output(revisionSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId, userId } = ctx.actor;
      const api = await lockApi(tx, tenantId, ctx.workspace.id, input.apiId);
      const snapshot = toStored(await liveSnapshot(tx, api));
      const base = { tenantId, workspaceId: api.workspaceId, apiId: api.id, snapshot, createdBy: userId };
      const audit = (row: typeof apiRevisions.$inferSelect) =>
        recordAudit(tx, ctx, {
          tenantId,
          workspaceId: api.workspaceId,
          action: 'api_revision.create',
          targetType: 'api_revision',
          targetId: row.id,
          diff: createdDiff({
            apiId: api.id,
            revision: row.revision,
            description: row.description,
            isCurrent: row.isCurrent,
            operations: snapshot.operations.length,
          }),
        });

      if (!(await findCurrentRevision(tx, tenantId, api.id))) {
        const [initial] = await tx
          .insert(apiRevisions)
          .values({ ...base, id: newId('arev'), revision: 1, description: INITIAL_REVISION_DESCRIPTION, isCurrent: true })
          .returning();
        await audit(initial!);
      }
      const [last] = await tx
        .select({ revision: max(apiRevisions.revision) })
        .from(apiRevisions)
        .where(and(eq(apiRevisions.tenantId, tenantId), eq(apiRevisions.apiId, api.id)));
      const [row] = await tx
        .insert(apiRevisions)
        .values({
          ...base,
          id: newId('arev'),
          revision: (last?.revision ?? 0) + 1,
          description: input.description,
          isCurrent: false,
        })
        .returning();
      await audit(row!);
      return revisionOut(row!);
    }),
  );
