import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { setTenantRole } from '../../authz/grants.js';
import { tenantMembers } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { tenantRole } from '../schemas.js';
import { memberSchema } from './list-members.js';
import { assertMayTouchRole, findMember, memberOut, ownerCount } from './member-rows.js';

export const updateMemberRole = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'member', action: 'update' },
    openapi: { method: 'PATCH', path: '/members/{userId}', tags: ['members'], summary: "Change a member's tenant role" },
  })
  .input(z.strictObject({ userId: entityId('usr', 'user'), role: tenantRole }))
  .output(memberSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const member = await findMember(tx, tenantId, input.userId);
      if (member.role === input.role) return memberOut(member);
      await assertMayTouchRole(tx, ctx.actor, member.role, input.role);
      if (member.role === 'owner' && (await ownerCount(tx, tenantId)) <= 1) {
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: 'A tenant needs at least one owner; make someone else owner first',
        });
      }
      await tx
        .update(tenantMembers)
        .set({ role: input.role })
        .where(and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.userId, input.userId)));
      await setTenantRole(tx, tenantId, input.userId, input.role);
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'member.update_role',
        targetType: 'user',
        targetId: input.userId,
        diff: { role: [member.role, input.role] },
      });
      return memberOut({ ...member, role: input.role });
    }),
  );
