import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findProduct, productSchema, productWithGroups } from './product-out.js';
import { setProductState } from './product-state.js';

export const publishProduct = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'update' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/products/{productId}/publish',
      tags: ['products'],
      summary: 'Publish a product: the groups it is visible to may subscribe',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), productId: entityId('prd', 'product') }))
  .output(productSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const product = await findProduct(tx, ctx.actor.tenantId, ctx.workspace.id, input.productId);
      return productWithGroups(tx, await setProductState(tx, ctx, product, 'published'));
    }),
  );
