import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { namedValues } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { namedValueOut, namedValueSchema } from './named-value-fields.js';

export const listNamedValues = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'named-value', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/named-values',
      tags: ['named values'],
      summary: 'Named values of a workspace',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), ...paginationInput }))
  .output(page(namedValueSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(namedValues.createdAt, namedValues.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(namedValues)
      .where(and(eq(namedValues.tenantId, ctx.actor.tenantId), eq(namedValues.workspaceId, ctx.workspace.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, namedValueOut);
  });
