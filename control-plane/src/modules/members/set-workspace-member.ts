import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { setWorkspaceRole } from '../../authz/grants.js';
import { workspaceMembers } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { workspaceRole } from '../schemas.js';
import { workspaceMemberSchema } from './list-workspace-members.js';
import { findMember } from './member-rows.js';

/** Adds a tenant member to the workspace, or changes their role there. */
export const setWorkspaceMember = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'workspace-member', action: 'manage' },
    openapi: {
      method: 'PUT',
      path: '/workspaces/{workspaceId}/members/{userId}',
      tags: ['members'],
      summary: "Grant or change a member's workspace role",
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), userId: entityId('usr', 'user'), role: workspaceRole }))
  .output(workspaceMemberSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const member = await findMember(tx, tenantId, input.userId);
      const scoped = and(eq(workspaceMembers.workspaceId, ctx.workspace.id), eq(workspaceMembers.userId, input.userId));
      const [before] = await tx.select().from(workspaceMembers).where(scoped);
      let addedAt: Date;
      if (before) {
        await tx.update(workspaceMembers).set({ role: input.role }).where(scoped);
        addedAt = before.createdAt;
      } else {
        const [row] = await tx
          .insert(workspaceMembers)
          .values({ id: newId('wmem'), tenantId, workspaceId: ctx.workspace.id, userId: input.userId, role: input.role })
          .returning();
        addedAt = row!.createdAt;
      }
      await setWorkspaceRole(tx, ctx.workspace.id, input.userId, input.role);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: ctx.workspace.id,
        action: 'workspace_member.set',
        targetType: 'user',
        targetId: input.userId,
        diff: { role: [before?.role ?? null, input.role] },
      });
      return { userId: member.userId, email: member.email, name: member.name, role: input.role, addedAt: addedAt.toISOString() };
    }),
  );
