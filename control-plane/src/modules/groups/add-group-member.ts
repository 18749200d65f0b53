import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { groupMembers } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { findMember } from '../members/member-rows.js';
import { groupMemberKey, groupMemberOut, groupMemberSchema } from './group-membership.js';
import { assertCustom, findGroup } from './group-out.js';

/** Adding someone already in the group changes nothing (PUT). */
export const addGroupMember = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'group', action: 'update' },
    openapi: {
      method: 'PUT',
      path: '/groups/{groupId}/members/{userId}',
      tags: ['groups'],
      summary: 'Add a tenant member to a custom group',
    },
  })
  .input(z.strictObject({ groupId: entityId('grp', 'group'), userId: entityId('usr', 'user') }))
  .output(groupMemberSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const group = await findGroup(tx, tenantId, input.groupId);
      // Only tenant members: anyone else is NOT_FOUND, like another tenant's id.
      const member = await findMember(tx, tenantId, input.userId);
      assertCustom(group, 'its membership is implicit');
      const [inserted] = await tx
        .insert(groupMembers)
        .values({ id: groupMemberKey(group.id, member.userId), tenantId, groupId: group.id, userId: member.userId })
        .onConflictDoNothing({ target: [groupMembers.groupId, groupMembers.userId] })
        .returning();
      let link = inserted;
      if (!link) {
        [link] = await tx
          .select()
          .from(groupMembers)
          .where(and(eq(groupMembers.groupId, group.id), eq(groupMembers.userId, member.userId)));
      }
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'group.add_member',
        targetType: 'group',
        targetId: group.id,
        // Empty when they were in the group already: the call is recorded, nothing changed.
        diff: inserted ? { member: [null, member.userId] } : {},
      });
      return groupMemberOut({ ...member, createdAt: link!.createdAt });
    }),
  );
