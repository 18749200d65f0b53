import { and, eq, ilike, or } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { API_TYPES, apis } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { apiOut, apiSchema } from './api-out.js';

export const listApis = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: { method: 'GET', path: '/workspaces/{workspaceId}/apis', tags: ['apis'], summary: 'APIs of a workspace' },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      ...paginationInput,
      type: z.enum(API_TYPES).optional(),
      search: z.string().max(100).optional().meta({ description: 'Matches name or path, case-insensitive' }),
    }),
  )
  .output(page(apiSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(apis.createdAt, apis.id, input.cursor, 'asc');
    const pattern = input.search ? `%${input.search.replace(/[\\%_]/g, '\\$&')}%` : undefined;
    const rows = await ctx.deps.db
      .select()
      .from(apis)
      .where(
        and(
          eq(apis.tenantId, ctx.actor.tenantId),
          eq(apis.workspaceId, ctx.workspace.id),
          input.type ? eq(apis.type, input.type) : undefined,
          pattern ? or(ilike(apis.name, pattern), ilike(apis.path, pattern)) : undefined,
          where,
        ),
      )
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, apiOut);
  });
