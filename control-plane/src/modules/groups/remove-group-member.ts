import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { groupMembers } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { okOut } from '../schemas.js';
import { assertCustom, findGroup } from './group-out.js';

export const removeGroupMember = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'group', action: 'update' },
    openapi: {
      method: 'DELETE',
      path: '/groups/{groupId}/members/{userId}',
      tags: ['groups'],
      summary: 'Remove a member from a custom group',
    },
  })
  .input(z.strictObject({ groupId: entityId('grp', 'group'), userId: entityId('usr', 'user') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const group = await findGroup(tx, tenantId, input.groupId);
      assertCustom(group, 'its membership is implicit');
      const [removed] = await tx
        .delete(groupMembers)
        .where(
          and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.groupId, group.id), eq(groupMembers.userId, input.userId)),
        )
        .returning({ id: groupMembers.id });
      if (!removed) throw notFound('Group member');
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'group.remove_member',
        targetType: 'group',
        targetId: group.id,
        diff: { member: [input.userId, null] },
      });
      return { ok: true as const };
    }),
  );
