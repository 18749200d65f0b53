import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { revokeWorkspaceGrants } from '../../authz/grants.js';
import { workspaces } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { okOut } from '../schemas.js';

export const deleteWorkspace = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'workspace', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}',
      tags: ['workspaces'],
      summary: 'Delete a workspace and everything in it',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      if (ctx.workspace.isDefault) {
        throw new PorticoError('CP_ERR_CONFLICT', { message: 'The default workspace cannot be deleted' });
      }
      await tx.delete(workspaces).where(and(eq(workspaces.id, input.workspaceId), eq(workspaces.tenantId, ctx.actor.tenantId)));
      await revokeWorkspaceGrants(tx, input.workspaceId);
      await recordAudit(tx, ctx, {
        tenantId: ctx.actor.tenantId,
        workspaceId: input.workspaceId,
        action: 'workspace.delete',
        targetType: 'workspace',
        targetId: input.workspaceId,
        diff: { name: [ctx.workspace.name, null] },
      });
      return { ok: true as const };
    }),
  );
