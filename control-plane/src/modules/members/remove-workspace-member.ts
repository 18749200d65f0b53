import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { revokeWorkspaceRole } from '../../authz/grants.js';
import { workspaceMembers } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { okOut } from '../schemas.js';

export const removeWorkspaceMember = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'workspace-member', action: 'manage' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/members/{userId}',
      tags: ['members'],
      summary: 'Remove a member from a workspace',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), userId: entityId('usr', 'user') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(workspaceMembers)
        .where(and(eq(workspaceMembers.workspaceId, ctx.workspace.id), eq(workspaceMembers.userId, input.userId)))
        .returning();
      if (!removed) throw notFound('Workspace member');
      await revokeWorkspaceRole(tx, ctx.workspace.id, input.userId);
      await recordAudit(tx, ctx, {
        tenantId: ctx.actor.tenantId,
        workspaceId: ctx.workspace.id,
        action: 'workspace_member.remove',
        targetType: 'user',
        targetId: input.userId,
        diff: { role: [removed.role, null] },
      });
      return { ok: true as const };
    }),
  );
