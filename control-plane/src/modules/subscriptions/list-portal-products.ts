import { and } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { products } from '../../db/schema/index.js';
import { page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { portalProductSchema, portalProductsOut, visibleProductsFor } from '../products/visible-products.js';

/** The developer portal's catalogue: what the caller may subscribe to, across the tenant's workspaces. */
export const listPortalProducts = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'developer-portal', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/portal/products',
      tags: ['developer portal'],
      summary: 'Published products visible to your groups',
    },
  })
  .input(z.strictObject(paginationInput))
  .output(page(portalProductSchema))
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { tenantId, userId } = ctx.actor;
    const { where, orderBy } = keyset(products.createdAt, products.id, input.cursor, 'asc');
    const rows = await db
      .select()
      .from(products)
      .where(and(await visibleProductsFor(db, tenantId, userId), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    const { items, nextCursor } = toPage(rows, input.limit, (row) => row);
    return { items: await portalProductsOut(db, tenantId, items), nextCursor };
  });
