import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { tenantMembers, users } from '../../db/schema/index.js';
import { page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { tenantRole } from '../schemas.js';
import { memberColumns, memberOut } from './member-rows.js';

export const memberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: tenantRole,
  joinedAt: z.string(),
});

export const listMembers = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'member', action: 'read' },
    openapi: { method: 'GET', path: '/members', tags: ['members'], summary: 'Members of the tenant' },
  })
  .input(z.strictObject({ ...paginationInput, role: tenantRole.optional() }))
  .output(page(memberSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(tenantMembers.createdAt, tenantMembers.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select(memberColumns)
      .from(tenantMembers)
      .innerJoin(users, eq(users.id, tenantMembers.userId))
      .where(
        and(eq(tenantMembers.tenantId, ctx.actor.tenantId), input.role ? eq(tenantMembers.role, input.role) : undefined, where),
      )
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, memberOut);
  });
