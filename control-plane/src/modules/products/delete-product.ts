import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { productApis, products, subscriptions } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { deleteAttachedPolicyDocuments } from '../policies/policy-store.js';
import { okOut } from '../schemas.js';
import { cancelSubscriptions, lockLiveSubscriptions } from '../subscriptions/live-subscriptions.js';
import { findProduct } from './product-out.js';

/**
 * As in Azure: refused while the product has live (submitted, active or suspended)
 * subscriptions, unless `deleteSubscriptions` is set — then they are cancelled, each with its
 * own audit row, and kept as history (their scope id then names a product that is gone).
 * Its API links, group visibilities and policy document go with it.
 */
export const deleteProduct = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/products/{productId}',
      tags: ['products'],
      summary: 'Delete a product (cancelling its subscriptions only when asked)',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      productId: entityId('prd', 'product'),
      deleteSubscriptions: z
        .boolean()
        .default(false)
        .meta({ description: 'Cancel its live subscriptions too; without it, live subscriptions refuse the deletion' }),
    }),
  )
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const product = await findProduct(tx, tenantId, ctx.workspace.id, input.productId);
      const live = await lockLiveSubscriptions(
        tx,
        tenantId,
        and(eq(subscriptions.scopeKind, 'product'), eq(subscriptions.scopeId, product.id)),
      );
      if (live.length > 0 && !input.deleteSubscriptions) {
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: `The product has ${live.length} live subscription(s); cancel them first, or pass deleteSubscriptions: true`,
          fields: { deleteSubscriptions: [`${live.length} live subscription(s) would be cancelled`] },
        });
      }
      await cancelSubscriptions(tx, ctx, live, 'The product was deleted');
      const links = await tx.delete(productApis).where(eq(productApis.productId, product.id)).returning({ id: productApis.id });
      await tx.delete(products).where(and(eq(products.id, product.id), eq(products.tenantId, tenantId)));
      await recordConfigChange(tx, tenantId, [
        { entityType: 'product', entityId: product.id, op: 'delete' },
        ...links.map((link) => ({ entityType: 'product_api' as const, entityId: link.id, op: 'delete' as const })),
      ]);
      await deleteAttachedPolicyDocuments(tx, ctx, tenantId, product.workspaceId, [{ scope: 'product', scopeId: product.id }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: product.workspaceId,
        action: 'product.delete',
        targetType: 'product',
        targetId: product.id,
        diff: { name: [product.name, null], apis: [links.length, null], cancelledSubscriptions: [null, live.length] },
      });
      return { ok: true as const };
    }),
  );
