import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { gatewayTokens } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { findGateway } from './gateway-out.js';
import { gatewayTokenOut, gatewayTokenSchema } from './gateway-token-out.js';

export const listGatewayTokens = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/gateways/{gatewayId}/tokens',
      tags: ['gateways'],
      summary: "A gateway's access tokens, newest first (never the secret)",
    },
  })
  .input(z.strictObject({ gatewayId: entityId('gw', 'gateway'), ...paginationInput }))
  .output(page(gatewayTokenSchema))
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { tenantId } = ctx.actor;
    const gateway = await findGateway(db, tenantId, input.gatewayId);
    const { where, orderBy } = keyset(gatewayTokens.createdAt, gatewayTokens.id, input.cursor, 'desc');
    const rows = await db
      .select()
      .from(gatewayTokens)
      .where(and(eq(gatewayTokens.tenantId, tenantId), eq(gatewayTokens.gatewayId, gateway.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, gatewayTokenOut);
  });
