import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { groupMembers, groups, productGroups } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { okOut } from '../schemas.js';
import { assertCustom, findGroup } from './group-out.js';

/**
 * Its memberships and product visibilities go with it (foreign keys cascade). Products it made
 * visible stay, visible to their other groups; subscriptions already made are untouched.
 */
export const deleteGroup = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'group', action: 'delete' },
    openapi: { method: 'DELETE', path: '/groups/{groupId}', tags: ['groups'], summary: 'Delete a custom group' },
  })
  .input(z.strictObject({ groupId: entityId('grp', 'group') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const group = await findGroup(tx, tenantId, input.groupId);
      assertCustom(group, 'it cannot be deleted');
      const members = await tx.$count(groupMembers, eq(groupMembers.groupId, group.id));
      const products = await tx.$count(productGroups, eq(productGroups.groupId, group.id));
      await tx.delete(groups).where(and(eq(groups.id, group.id), eq(groups.tenantId, tenantId)));
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'group.delete',
        targetType: 'group',
        targetId: group.id,
        diff: { name: [group.name, null], members: [members, null], visibleProducts: [products, null] },
      });
      return { ok: true as const };
    }),
  );
