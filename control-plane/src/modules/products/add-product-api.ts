import { z } from 'zod';
import { productApis } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { apiOut, apiSchema } from '../apis/api-out.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { productApiKey } from './product-apis.js';
import { findProduct } from './product-out.js';

/** The API must be in the product's workspace. Adding one already in the product changes nothing (PUT). */
export const addProductApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'update' },
    openapi: {
      method: 'PUT',
      path: '/workspaces/{workspaceId}/products/{productId}/apis/{apiId}',
      tags: ['products'],
      summary: 'Add an API to a product',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      productId: entityId('prd', 'product'),
      apiId: entityId('api', 'API'),
    }),
  )
  .output(apiSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const product = await findProduct(tx, tenantId, ctx.workspace.id, input.productId);
      const api = await findApi(tx, tenantId, product.workspaceId, input.apiId);
      const id = productApiKey(product.id, api.id);
      const [inserted] = await tx
        .insert(productApis)
        .values({ id, tenantId, productId: product.id, apiId: api.id })
        .onConflictDoNothing({ target: [productApis.productId, productApis.apiId] })
        .returning();
      if (inserted) await recordConfigChange(tx, tenantId, [{ entityType: 'product_api', entityId: id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: product.workspaceId,
        action: 'product.add_api',
        targetType: 'product',
        targetId: product.id,
        // Empty when it was in the product already: the call is recorded, nothing changed.
        diff: inserted ? { apiId: [null, api.id] } : {},
      });
      return apiOut(api);
    }),
  );
