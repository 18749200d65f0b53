import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { workspaces } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { nameInput, slugInput, slugify } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { toWorkspaceOut, workspaceOut } from '../schemas.js';

export const createWorkspace = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'workspace', action: 'create' },
    openapi: { method: 'POST', path: '/workspaces', tags: ['workspaces'], summary: 'Create a workspace' },
  })
  .input(
    z.strictObject({
      name: nameInput('name'),
      slug: slugInput.optional().meta({ description: 'Defaults to one made from the name' }),
      description: z.string().max(2000).default(''),
    }),
  )
  .output(workspaceOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const tenantId = ctx.actor.tenantId;
      const slug = input.slug ?? slugify(input.name, 'workspace');
      const [taken] = await tx
        .select({ id: workspaces.id })
        .from(workspaces)
        .where(and(eq(workspaces.tenantId, tenantId), eq(workspaces.slug, slug)));
      if (taken) {
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: `A workspace with slug "${slug}" exists`,
          fields: { slug: ['Already used in this tenant'] },
        });
      }
      const [workspace] = await tx
        .insert(workspaces)
        .values({ id: newId('ws'), tenantId, name: input.name, slug, description: input.description })
        .returning();
      const row = workspace!;
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: row.id,
        action: 'workspace.create',
        targetType: 'workspace',
        targetId: row.id,
        diff: createdDiff({ name: row.name, slug: row.slug, description: row.description }),
      });
      return toWorkspaceOut(row);
    }),
  );
