import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { findGateway, gatewayOut, gatewaySchema } from './gateway-out.js';

export const getGateway = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'read' },
    openapi: { method: 'GET', path: '/gateways/{gatewayId}', tags: ['gateways'], summary: 'One gateway' },
  })
  .input(z.strictObject({ gatewayId: entityId('gw', 'gateway') }))
  .output(gatewaySchema)
  .query(async ({ ctx, input }) => gatewayOut(await findGateway(ctx.deps.db, ctx.actor.tenantId, input.gatewayId)));
