import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { apis, gatewayApis } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { apiSummaryColumns, assignedApiOut, assignedApiSchema } from './gateway-apis.js';
import { findGateway } from './gateway-out.js';

export const listGatewayApis = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/gateways/{gatewayId}/apis',
      tags: ['gateways'],
      summary: 'The APIs a gateway serves, in the order they were assigned',
    },
  })
  .input(z.strictObject({ gatewayId: entityId('gw', 'gateway'), ...paginationInput }))
  .output(page(assignedApiSchema))
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { tenantId } = ctx.actor;
    const gateway = await findGateway(db, tenantId, input.gatewayId);
    const { where, orderBy } = keyset(gatewayApis.createdAt, gatewayApis.id, input.cursor, 'asc');
    const rows = await db
      .select({ id: gatewayApis.id, gatewayId: gatewayApis.gatewayId, createdAt: gatewayApis.createdAt, api: apiSummaryColumns })
      .from(gatewayApis)
      .innerJoin(apis, and(eq(apis.id, gatewayApis.apiId), eq(apis.tenantId, tenantId)))
      .where(and(eq(gatewayApis.tenantId, tenantId), eq(gatewayApis.gatewayId, gateway.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, (row) => assignedApiOut(row, row.api));
  });
