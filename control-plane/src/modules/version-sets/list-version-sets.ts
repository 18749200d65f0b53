import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { apiVersionSets } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { versionSetOut, versionSetSchema } from './version-set-fields.js';

export const listVersionSets = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/version-sets',
      tags: ['version-sets'],
      summary: 'Version sets of a workspace',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), ...paginationInput }))
  .output(page(versionSetSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(apiVersionSets.createdAt, apiVersionSets.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(apiVersionSets)
      .where(and(eq(apiVersionSets.tenantId, ctx.actor.tenantId), eq(apiVersionSets.workspaceId, ctx.workspace.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, versionSetOut);
  });
