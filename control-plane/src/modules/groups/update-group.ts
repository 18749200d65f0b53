import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { groups } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { versionMismatch } from '../../errors.js';
import { entityId, versionInput } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { assertCustom, assertNameFree, findGroup, groupFields, groupOut, groupSchema, nameTaken } from './group-out.js';

export const updateGroup = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'group', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/groups/{groupId}',
      tags: ['groups'],
      summary: 'Rename or describe a group (built-in groups keep their name)',
    },
  })
  .input(
    z.strictObject({
      groupId: entityId('grp', 'group'),
      version: versionInput,
      name: groupFields.name.optional(),
      description: groupFields.description.optional(),
    }),
  )
  .output(groupSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const before = await findGroup(tx, tenantId, input.groupId);
      if (input.name !== undefined && input.name !== before.name) {
        assertCustom(before, 'it cannot be renamed');
        await assertNameFree(tx, tenantId, input.name, before.id);
      }
      const changes = { name: input.name, description: input.description };
      const [after] = await tx
        .update(groups)
        .set({ ...changes, version: sql`${groups.version} + 1`, updatedAt: new Date() })
        .where(and(eq(groups.id, before.id), eq(groups.tenantId, tenantId), eq(groups.version, input.version)))
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name ?? before.name) : error;
        });
      if (!after) {
        throw versionMismatch(before.version);
      }
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'group.update',
        targetType: 'group',
        targetId: after.id,
        diff: diffOf(before, changes),
      });
      return groupOut(after);
    }),
  );
