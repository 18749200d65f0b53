import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { apis, productApis } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { apiOut, apiSchema } from '../apis/api-out.js';
import { findProduct } from './product-out.js';

/** In the order they were added. */
export const listProductApis = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/products/{productId}/apis',
      tags: ['products'],
      summary: 'APIs of a product',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), productId: entityId('prd', 'product'), ...paginationInput }))
  .output(page(apiSchema))
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { tenantId } = ctx.actor;
    const product = await findProduct(db, tenantId, ctx.workspace.id, input.productId);
    const { where, orderBy } = keyset(productApis.createdAt, productApis.id, input.cursor, 'asc');
    const rows = await db
      .select({ id: productApis.id, createdAt: productApis.createdAt, api: apis })
      .from(productApis)
      .innerJoin(apis, eq(apis.id, productApis.apiId))
      .where(and(eq(productApis.tenantId, tenantId), eq(productApis.productId, product.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, (row) => apiOut(row.api));
  });
