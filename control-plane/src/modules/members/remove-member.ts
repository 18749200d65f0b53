import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { revokeAllGrants } from '../../authz/grants.js';
import { tenantDomain, workspaceDomain } from '../../authz/permissions.js';
import { groupMembers, personalAccessTokens, subscriptions, tenantMembers, workspaceMembers } from '../../db/schema/index.js';
import { cancelSubscriptions, lockLiveSubscriptions } from '../subscriptions/live-subscriptions.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { okOut } from '../schemas.js';
import { assertMayTouchRole, findMember, ownerCount } from './member-rows.js';

/**
 * Removes a member with every workspace role, custom group membership and access token they hold
 * in this tenant. Groups only shape the portal, so no config change is recorded.
 */
export const removeMember = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'member', action: 'delete' },
    openapi: { method: 'DELETE', path: '/members/{userId}', tags: ['members'], summary: 'Remove a member from the tenant' },
  })
  .input(z.strictObject({ userId: entityId('usr', 'user') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const member = await findMember(tx, tenantId, input.userId);
      await assertMayTouchRole(tx, ctx.actor, member.role);
      if (member.role === 'owner' && (await ownerCount(tx, tenantId)) <= 1) {
        throw new PorticoError('CP_ERR_CONFLICT', { message: 'The last owner cannot be removed' });
      }
      const grants = await tx
        .delete(workspaceMembers)
        .where(and(eq(workspaceMembers.tenantId, tenantId), eq(workspaceMembers.userId, input.userId)))
        .returning({ workspaceId: workspaceMembers.workspaceId });
      await tx.delete(tenantMembers).where(and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.userId, input.userId)));
      const groups = await tx
        .delete(groupMembers)
        .where(and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.userId, input.userId)))
        .returning({ groupId: groupMembers.groupId });
      await revokeAllGrants(tx, input.userId, [tenantDomain(tenantId), ...grants.map((g) => workspaceDomain(g.workspaceId))]);
      // Their subscription keys must stop working with their membership.
      const live = await lockLiveSubscriptions(tx, tenantId, eq(subscriptions.ownerId, input.userId));
      await cancelSubscriptions(tx, ctx, live, 'The owner left the tenant');
      await tx
        .update(personalAccessTokens)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(personalAccessTokens.tenantId, tenantId),
            eq(personalAccessTokens.userId, input.userId),
            isNull(personalAccessTokens.revokedAt),
          ),
        );
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'member.remove',
        targetType: 'user',
        targetId: input.userId,
        diff: {
          role: [member.role, null],
          ...(groups.length > 0 ? { groups: [groups.map((g) => g.groupId).sort(), null] } : {}),
          ...(live.length > 0 ? { cancelledSubscriptions: [null, live.length] } : {}),
        },
      });
      return { ok: true as const };
    }),
  );
