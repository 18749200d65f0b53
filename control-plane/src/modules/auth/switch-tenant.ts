import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { sessions, tenantMembers } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { authenticatedProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';

export const switchTenant = authenticatedProcedure
  .meta({
    permission: { scope: 'authenticated' },
    openapi: { method: 'POST', path: '/auth/switch-tenant', tags: ['auth'], summary: 'Act in another tenant you belong to' },
  })
  .input(z.strictObject({ tenantId: entityId('ten', 'tenant') }))
  .output(z.object({ tenantId: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const { actor } = ctx;
    if (actor.via !== 'session') {
      throw new PorticoError('CP_ERR_VALIDATION', {
        message: 'An access token is bound to one tenant; create a token in the other tenant',
      });
    }
    return ctx.deps.db.transaction(async (tx) => {
      const [membership] = await tx
        .select({ id: tenantMembers.id })
        .from(tenantMembers)
        .where(and(eq(tenantMembers.tenantId, input.tenantId), eq(tenantMembers.userId, actor.userId)));
      if (!membership) throw notFound('Tenant');
      await tx.update(sessions).set({ tenantId: input.tenantId }).where(eq(sessions.id, actor.credentialId));
      await recordAudit(tx, ctx, {
        tenantId: input.tenantId,
        action: 'auth.switch_tenant',
        targetType: 'session',
        targetId: actor.credentialId,
      });
      return { tenantId: input.tenantId };
    });
  });
