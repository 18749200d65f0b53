import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { productApis } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { okOut } from '../schemas.js';
import { findProduct } from './product-out.js';

/** The product's subscription keys stop opening the API at the next config revision. */
export const removeProductApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'update' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/products/{productId}/apis/{apiId}',
      tags: ['products'],
      summary: 'Remove an API from a product',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      productId: entityId('prd', 'product'),
      apiId: entityId('api', 'API'),
    }),
  )
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const product = await findProduct(tx, tenantId, ctx.workspace.id, input.productId);
      const api = await findApi(tx, tenantId, product.workspaceId, input.apiId);
      const [removed] = await tx
        .delete(productApis)
        .where(and(eq(productApis.tenantId, tenantId), eq(productApis.productId, product.id), eq(productApis.apiId, api.id)))
        .returning({ id: productApis.id });
      if (!removed) throw notFound('API in this product');
      await recordConfigChange(tx, tenantId, [{ entityType: 'product_api', entityId: removed.id, op: 'delete' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: product.workspaceId,
        action: 'product.remove_api',
        targetType: 'product',
        targetId: product.id,
        diff: { apiId: [api.id, null] },
      });
      return { ok: true as const };
    }),
  );
