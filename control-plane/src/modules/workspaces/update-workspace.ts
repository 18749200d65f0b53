import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { workspaces } from '../../db/schema/index.js';
import { versionMismatch } from '../../errors.js';
import { entityId, nameInput, versionInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { toWorkspaceOut, workspaceOut } from '../schemas.js';

export const updateWorkspace = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'workspace', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/workspaces/{workspaceId}',
      tags: ['workspaces'],
      summary: 'Rename or describe a workspace',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      version: versionInput,
      name: nameInput('name').optional(),
      description: z.string().max(2000).optional(),
    }),
  )
  .output(workspaceOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const before = ctx.workspace;
      const changes = { name: input.name, description: input.description };
      const [after] = await tx
        .update(workspaces)
        .set({ ...changes, version: sql`${workspaces.version} + 1`, updatedAt: new Date() })
        .where(
          and(eq(workspaces.id, before.id), eq(workspaces.tenantId, ctx.actor.tenantId), eq(workspaces.version, input.version)),
        )
        .returning();
      if (!after) throw versionMismatch(before.version);
      await recordAudit(tx, ctx, {
        tenantId: ctx.actor.tenantId,
        workspaceId: after.id,
        action: 'workspace.update',
        targetType: 'workspace',
        targetId: after.id,
        diff: diffOf(before, changes),
      });
      return toWorkspaceOut(after);
    }),
  );
