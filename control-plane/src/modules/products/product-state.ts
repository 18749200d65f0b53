import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { products, type ProductState } from '../../db/schema/index.js';
import type { Context } from '../../trpc/context.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import type { ProductRow } from './product-out.js';

/**
 * Publishing decides who may subscribe, not who may call: subscriptions already made keep
 * working while a product is unpublished. Asking for the state it has changes nothing.
 */
export async function setProductState(tx: Db, ctx: Context, product: ProductRow, state: ProductState): Promise<ProductRow> {
  const verb = state === 'published' ? 'publish' : 'unpublish';
  if (product.state === state) {
    await recordAudit(tx, ctx, {
      tenantId: product.tenantId,
      workspaceId: product.workspaceId,
      action: `product.${verb}`,
      targetType: 'product',
      targetId: product.id,
      diff: {},
    });
    return product;
  }
  const [after] = await tx
    .update(products)
    .set({ state, version: sql`${products.version} + 1`, updatedAt: new Date() })
    .where(and(eq(products.id, product.id), eq(products.tenantId, product.tenantId)))
    .returning();
  await recordConfigChange(tx, product.tenantId, [{ entityType: 'product', entityId: product.id, op: 'upsert' }]);
  await recordAudit(tx, ctx, {
    tenantId: product.tenantId,
    workspaceId: product.workspaceId,
    action: `product.${verb}`,
    targetType: 'product',
    targetId: product.id,
    diff: { state: [product.state, state] },
  });
  return after!;
}
