import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { gatewayApis } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { okOut } from '../schemas.js';
import { findTenantApi, gatewayApiKey } from './gateway-apis.js';
import { findGateway } from './gateway-out.js';

/** The gateway stops serving the API. Unassigning an API that is not assigned changes nothing. */
export const unassignApi = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'update' },
    openapi: {
      method: 'DELETE',
      path: '/gateways/{gatewayId}/apis/{apiId}',
      tags: ['gateways'],
      summary: 'Stop serving an API on a gateway (idempotent)',
    },
  })
  .input(z.strictObject({ gatewayId: entityId('gw', 'gateway'), apiId: entityId('api', 'API') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const gateway = await findGateway(tx, tenantId, input.gatewayId);
      const api = await findTenantApi(tx, tenantId, input.apiId);
      const removed = await tx
        .delete(gatewayApis)
        .where(and(eq(gatewayApis.gatewayId, gateway.id), eq(gatewayApis.apiId, api.id), eq(gatewayApis.tenantId, tenantId)))
        .returning({ id: gatewayApis.id });
      if (removed.length > 0) {
        await recordConfigChange(tx, tenantId, [
          { entityType: 'gateway_api', entityId: gatewayApiKey(gateway.id, api.id), op: 'delete' },
        ]);
      }
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'gateway.unassign_api',
        targetType: 'gateway',
        targetId: gateway.id,
        diff: removed.length > 0 ? { apiId: [api.id, null] } : {},
      });
      return { ok: true as const };
    }),
  );
