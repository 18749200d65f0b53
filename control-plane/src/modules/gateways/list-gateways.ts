import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { gateways } from '../../db/schema/index.js';
import { page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { gatewayOut, gatewaySchema } from './gateway-out.js';

export const listGateways = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'read' },
    openapi: { method: 'GET', path: '/gateways', tags: ['gateways'], summary: "The tenant's gateways, oldest first" },
  })
  .input(z.strictObject(paginationInput))
  .output(page(gatewaySchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(gateways.createdAt, gateways.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(gateways)
      .where(and(eq(gateways.tenantId, ctx.actor.tenantId), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, gatewayOut);
  });
