import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { policyFragments } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { policyFragmentOut, policyFragmentSchema } from './fragment-fields.js';

export const listPolicyFragments = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'policy', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/policy-fragments',
      tags: ['policy fragments'],
      summary: 'Policy fragments of a workspace',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), ...paginationInput }))
  .output(page(policyFragmentSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(policyFragments.createdAt, policyFragments.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(policyFragments)
      .where(and(eq(policyFragments.tenantId, ctx.actor.tenantId), eq(policyFragments.workspaceId, ctx.workspace.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, policyFragmentOut);
  });
