import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { groupMembers, tenantMembers, users } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { groupMemberOut, groupMemberSchema, implicitMembers } from './group-membership.js';
import { findGroup } from './group-out.js';

/** For built-in groups the members are computed from tenant roles (see group-membership.ts). */
export const listGroupMembers = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'group', action: 'read' },
    openapi: { method: 'GET', path: '/groups/{groupId}/members', tags: ['groups'], summary: 'Members of a group' },
  })
  .input(z.strictObject({ groupId: entityId('grp', 'group'), ...paginationInput }))
  .output(page(groupMemberSchema))
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { tenantId } = ctx.actor;
    const group = await findGroup(db, tenantId, input.groupId);
    if (group.builtIn !== null) {
      const { where, orderBy } = keyset(tenantMembers.createdAt, tenantMembers.id, input.cursor, 'asc');
      const rows = await db
        .select({
          id: tenantMembers.id,
          createdAt: tenantMembers.createdAt,
          userId: users.id,
          email: users.email,
          name: users.name,
        })
        .from(tenantMembers)
        .innerJoin(users, eq(users.id, tenantMembers.userId))
        .where(and(eq(tenantMembers.tenantId, tenantId), implicitMembers(group.builtIn), where))
        .orderBy(...orderBy)
        .limit(input.limit + 1);
      return toPage(rows, input.limit, groupMemberOut);
    }
    const { where, orderBy } = keyset(groupMembers.createdAt, groupMembers.id, input.cursor, 'asc');
    const rows = await db
      .select({ id: groupMembers.id, createdAt: groupMembers.createdAt, userId: users.id, email: users.email, name: users.name })
      .from(groupMembers)
      .innerJoin(users, eq(users.id, groupMembers.userId))
      // Only current tenant members: someone who left the tenant is in none of its groups.
      .innerJoin(tenantMembers, and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.userId, groupMembers.userId)))
      .where(and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.groupId, group.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, groupMemberOut);
  });
