import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findProduct, productSchema, productWithGroups } from './product-out.js';

export const getProduct = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/products/{productId}',
      tags: ['products'],
      summary: 'One product',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), productId: entityId('prd', 'product') }))
  .output(productSchema)
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    return productWithGroups(db, await findProduct(db, ctx.actor.tenantId, ctx.workspace.id, input.productId));
  });
