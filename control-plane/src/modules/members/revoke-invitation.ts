import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { invitations } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { invitationOut, invitationSchema } from './invitation-out.js';

export const revokeInvitation = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'invitation', action: 'delete' },
    openapi: { method: 'DELETE', path: '/invitations/{invitationId}', tags: ['members'], summary: 'Revoke a pending invitation' },
  })
  .input(z.strictObject({ invitationId: entityId('inv', 'invitation') }))
  .output(invitationSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const scoped = and(eq(invitations.id, input.invitationId), eq(invitations.tenantId, tenantId));
      const [before] = await tx.select().from(invitations).where(scoped);
      if (!before) throw notFound('Invitation');
      if (before.state !== 'pending')
        throw new PorticoError('CP_ERR_CONFLICT', { message: `The invitation is already ${before.state}` });
      const [after] = await tx.update(invitations).set({ state: 'revoked' }).where(scoped).returning();
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'invitation.revoke',
        targetType: 'invitation',
        targetId: before.id,
        diff: { state: ['pending', 'revoked'] },
      });
      return invitationOut(after!);
    }),
  );
