import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { workspaceMembers, workspaces } from '../../db/schema/index.js';
import { page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { toWorkspaceOut, workspaceOut } from '../schemas.js';

/** Tenant owners and admins see every workspace; others see those they hold a role in. */
export const listWorkspaces = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'tenant', action: 'read' },
    openapi: { method: 'GET', path: '/workspaces', tags: ['workspaces'], summary: 'Workspaces you can see' },
  })
  .input(z.strictObject(paginationInput))
  .output(page(workspaceOut))
  .query(async ({ ctx, input }) => {
    const { db, authorizer } = ctx.deps;
    const { tenantId, userId } = ctx.actor;
    const seesAll = await authorizer.can({ userId, tenantId, object: 'workspace', action: 'read' });
    const { where, orderBy } = keyset(workspaces.createdAt, workspaces.id, input.cursor, 'asc');
    const visible = seesAll
      ? undefined
      : inArray(
          workspaces.id,
          db
            .select({ id: workspaceMembers.workspaceId })
            .from(workspaceMembers)
            .where(and(eq(workspaceMembers.tenantId, tenantId), eq(workspaceMembers.userId, userId))),
        );
    const rows = await db
      .select()
      .from(workspaces)
      .where(and(eq(workspaces.tenantId, tenantId), visible, where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, toWorkspaceOut);
  });
