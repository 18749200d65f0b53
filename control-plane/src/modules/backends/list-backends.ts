import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { backends } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { backendOut, backendSchema } from './backend-out.js';

export const listBackends = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'backend', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/backends',
      tags: ['backends'],
      summary: "The workspace's backends, oldest first",
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), ...paginationInput }))
  .output(page(backendSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(backends.createdAt, backends.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(backends)
      .where(and(eq(backends.tenantId, ctx.actor.tenantId), eq(backends.workspaceId, ctx.workspace.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, backendOut);
  });
