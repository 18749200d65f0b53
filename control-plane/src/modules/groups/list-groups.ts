import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { groups } from '../../db/schema/index.js';
import { page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { groupOut, groupSchema } from './group-out.js';

export const listGroups = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'group', action: 'read' },
    openapi: { method: 'GET', path: '/groups', tags: ['groups'], summary: "The tenant's groups, built-in ones first" },
  })
  .input(z.strictObject(paginationInput))
  .output(page(groupSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(groups.createdAt, groups.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(groups)
      .where(and(eq(groups.tenantId, ctx.actor.tenantId), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, groupOut);
  });
