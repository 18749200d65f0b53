import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { gatewayApis } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { assignedApiOut, assignedApiSchema, findTenantApi, gatewayApiKey } from './gateway-apis.js';
import { findGateway } from './gateway-out.js';

/** The gateway starts serving the API. Assigning an API already assigned changes nothing. */
export const assignApi = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'update' },
    openapi: {
      method: 'PUT',
      path: '/gateways/{gatewayId}/apis/{apiId}',
      tags: ['gateways'],
      summary: 'Serve an API on a gateway (idempotent)',
    },
  })
  .input(z.strictObject({ gatewayId: entityId('gw', 'gateway'), apiId: entityId('api', 'API') }))
  .output(assignedApiSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const gateway = await findGateway(tx, tenantId, input.gatewayId);
      const api = await findTenantApi(tx, tenantId, input.apiId);
      const id = gatewayApiKey(gateway.id, api.id);
      const [inserted] = await tx
        .insert(gatewayApis)
        .values({ id, tenantId, gatewayId: gateway.id, apiId: api.id })
        .onConflictDoNothing({ target: [gatewayApis.gatewayId, gatewayApis.apiId] })
        .returning();
      let link = inserted;
      if (!link) {
        [link] = await tx
          .select()
          .from(gatewayApis)
          .where(and(eq(gatewayApis.gatewayId, gateway.id), eq(gatewayApis.apiId, api.id), eq(gatewayApis.tenantId, tenantId)));
      }
      if (inserted) await recordConfigChange(tx, tenantId, [{ entityType: 'gateway_api', entityId: id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'gateway.assign_api',
        targetType: 'gateway',
        targetId: gateway.id,
        // Empty when it was assigned already: the call is recorded, nothing changed.
        diff: inserted ? { apiId: [null, api.id] } : {},
      });
      return assignedApiOut(link!, api);
    }),
  );
