import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { gatewayTokens } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { gatewayTokenOut, gatewayTokenSchema } from './gateway-token-out.js';

/** Revoking twice is harmless and keeps the first time. */
export const revokeGatewayToken = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'update' },
    openapi: {
      method: 'DELETE',
      path: '/gateways/{gatewayId}/tokens/{tokenId}',
      tags: ['gateways'],
      summary: 'Revoke a gateway access token',
    },
  })
  .input(z.strictObject({ gatewayId: entityId('gw', 'gateway'), tokenId: entityId('gwt', 'gateway token') }))
  .output(gatewayTokenSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      // The token must belong to this gateway of this tenant: any other pairing is NOT_FOUND.
      const scoped = and(
        eq(gatewayTokens.id, input.tokenId),
        eq(gatewayTokens.gatewayId, input.gatewayId),
        eq(gatewayTokens.tenantId, tenantId),
      );
      const [before] = await tx.select().from(gatewayTokens).where(scoped);
      if (!before) throw notFound('Gateway token');
      const revokedAt = before.revokedAt ?? new Date();
      const [after] = await tx.update(gatewayTokens).set({ revokedAt }).where(scoped).returning();
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'gateway.token.revoke',
        targetType: 'gateway-token',
        targetId: before.id,
        diff: { revokedAt: [before.revokedAt?.toISOString() ?? null, revokedAt.toISOString()] },
      });
      return gatewayTokenOut(after!);
    }),
  );
