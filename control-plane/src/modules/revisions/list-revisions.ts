import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import { apiRevisions } from '../../db/schema/index.js';
import { invalidField } from '../../errors.js';
import { entityId, page, paginationInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { revisionOut, revisionSchema } from './revision-out.js';

/** Revision numbers are unique per API and never reused, so they are the cursor (the first two share a timestamp). */
function afterRevision(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^[1-9][0-9]{0,8}$/.test(cursor)) throw invalidField('cursor', 'Not a cursor returned by this list');
  return Number(cursor);
}

export const listRevisions = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/apis/{apiId}/revisions',
      tags: ['revisions'],
      summary: 'Revisions of an API, oldest first',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), apiId: entityId('api', 'API'), ...paginationInput }))
  .output(page(revisionSchema))
  .query(async ({ ctx, input }) => {
    const { tenantId } = ctx.actor;
    const api = await findApi(ctx.deps.db, tenantId, ctx.workspace.id, input.apiId);
    const rows = await ctx.deps.db
      .select()
      .from(apiRevisions)
      .where(
        and(
          eq(apiRevisions.tenantId, tenantId),
          eq(apiRevisions.apiId, api.id),
          gt(apiRevisions.revision, afterRevision(input.cursor)),
        ),
      )
      .orderBy(asc(apiRevisions.revision))
      .limit(input.limit + 1);
    const items = rows.slice(0, input.limit);
    const last = items.at(-1);
    return { items: items.map(revisionOut), nextCursor: rows.length > input.limit && last ? String(last.revision) : null };
  });
