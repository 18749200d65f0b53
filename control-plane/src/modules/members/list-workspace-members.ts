import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { users, workspaceMembers } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { workspaceRole } from '../schemas.js';

export const workspaceMemberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: workspaceRole,
  addedAt: z.string(),
});

export const listWorkspaceMembers = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'workspace-member', action: 'read' },
    openapi: { method: 'GET', path: '/workspaces/{workspaceId}/members', tags: ['members'], summary: 'Members of a workspace' },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), ...paginationInput }))
  .output(page(workspaceMemberSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(workspaceMembers.createdAt, workspaceMembers.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select({
        id: workspaceMembers.id,
        userId: users.id,
        email: users.email,
        name: users.name,
        role: workspaceMembers.role,
        createdAt: workspaceMembers.createdAt,
      })
      .from(workspaceMembers)
      .innerJoin(users, eq(users.id, workspaceMembers.userId))
      .where(and(eq(workspaceMembers.tenantId, ctx.actor.tenantId), eq(workspaceMembers.workspaceId, ctx.workspace.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, (r) => ({
      userId: r.userId,
      email: r.email,
      name: r.name,
      role: r.role,
      addedAt: r.createdAt.toISOString(),
    }));
  });
