import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { gatewayApis, gateways } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { okOut } from '../schemas.js';
import { gatewayApiKey } from './gateway-apis.js';
import { findGateway } from './gateway-out.js';

/**
 * Deletes the gateway with its API assignments, access tokens (its agents can no longer
 * authenticate) and instance records. The APIs themselves stay.
 */
export const deleteGateway = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'delete' },
    openapi: { method: 'DELETE', path: '/gateways/{gatewayId}', tags: ['gateways'], summary: 'Delete a gateway and its tokens' },
  })
  .input(z.strictObject({ gatewayId: entityId('gw', 'gateway') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const gateway = await findGateway(tx, tenantId, input.gatewayId);
      const assigned = await tx
        .select({ apiId: gatewayApis.apiId })
        .from(gatewayApis)
        .where(and(eq(gatewayApis.gatewayId, gateway.id), eq(gatewayApis.tenantId, tenantId)));
      // Assignments, tokens and instances go with it (on delete cascade).
      await tx.delete(gateways).where(and(eq(gateways.id, gateway.id), eq(gateways.tenantId, tenantId)));
      await recordConfigChange(tx, tenantId, [
        { entityType: 'gateway', entityId: gateway.id, op: 'delete' },
        ...assigned.map((a) => ({
          entityType: 'gateway_api' as const,
          entityId: gatewayApiKey(gateway.id, a.apiId),
          op: 'delete' as const,
        })),
      ]);
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'gateway.delete',
        targetType: 'gateway',
        targetId: gateway.id,
        diff: { name: [gateway.name, null], apis: [assigned.length, null] },
      });
      return { ok: true as const };
    }),
  );
