import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { apis } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { apiOut, apiSchema } from '../apis/api-out.js';
import { findVersionSet } from './version-set-fields.js';

/** The versions of a set: the APIs that belong to it, each with its `apiVersion`. */
export const listVersionSetApis = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/version-sets/{versionSetId}/apis',
      tags: ['version-sets'],
      summary: 'The APIs (versions) of a version set',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      versionSetId: entityId('avs', 'version set'),
      ...paginationInput,
    }),
  )
  .output(page(apiSchema))
  .query(async ({ ctx, input }) => {
    const { tenantId } = ctx.actor;
    const set = await findVersionSet(ctx.deps.db, tenantId, ctx.workspace.id, input.versionSetId);
    const { where, orderBy } = keyset(apis.createdAt, apis.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(apis)
      .where(and(eq(apis.tenantId, tenantId), eq(apis.versionSetId, set.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, apiOut);
  });
