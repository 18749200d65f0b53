import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { operations } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { operationOut, operationSchema } from './operation-fields.js';

export const listOperations = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/apis/{apiId}/operations',
      tags: ['operations'],
      summary: 'Operations of an API',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), apiId: entityId('api', 'API'), ...paginationInput }))
  .output(page(operationSchema))
  .query(async ({ ctx, input }) => {
    const api = await findApi(ctx.deps.db, ctx.actor.tenantId, ctx.workspace.id, input.apiId);
    const { where, orderBy } = keyset(operations.createdAt, operations.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(operations)
      .where(and(eq(operations.tenantId, ctx.actor.tenantId), eq(operations.apiId, api.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, operationOut);
  });
