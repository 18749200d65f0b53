import { and, eq, inArray, notInArray } from 'drizzle-orm';
import { z } from 'zod';
import { groups, productGroups } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { findProduct, groupIdsByProduct, productOut, productSchema } from './product-out.js';

export const productGroupKey = (productId: string, groupId: string) => `${productId}:${groupId}`;

/**
 * Replaces the groups that see the product in the portal. Groups are the tenant's, so any of
 * them will do; another tenant's is NOT_FOUND. Visibility is a portal matter: gateways enforce
 * keys, not groups, so there is no config change.
 */
export const setProductGroups = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'update' },
    openapi: {
      method: 'PUT',
      path: '/workspaces/{workspaceId}/products/{productId}/groups',
      tags: ['products'],
      summary: 'Set the groups a product is visible to',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      productId: entityId('prd', 'product'),
      groupIds: z
        .array(entityId('grp', 'group'))
        .max(100)
        .meta({ description: 'Every group that should see the product; [] hides it from everyone' }),
    }),
  )
  .output(productSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const product = await findProduct(tx, tenantId, ctx.workspace.id, input.productId);
      const wanted = [...new Set(input.groupIds)].sort();
      if (wanted.length > 0) {
        const found = await tx
          .select({ id: groups.id })
          .from(groups)
          .where(and(eq(groups.tenantId, tenantId), inArray(groups.id, wanted)));
        if (found.length !== wanted.length) throw notFound('Group');
      }
      const before = (await groupIdsByProduct(tx, tenantId, [product.id])).get(product.id) ?? [];
      const ofProduct = and(eq(productGroups.tenantId, tenantId), eq(productGroups.productId, product.id));
      await tx
        .delete(productGroups)
        .where(wanted.length > 0 ? and(ofProduct, notInArray(productGroups.groupId, wanted)) : ofProduct);
      if (wanted.length > 0) {
        await tx
          .insert(productGroups)
          .values(
            wanted.map((groupId) => ({ id: productGroupKey(product.id, groupId), tenantId, productId: product.id, groupId })),
          )
          .onConflictDoNothing({ target: [productGroups.productId, productGroups.groupId] });
      }
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: product.workspaceId,
        action: 'product.set_groups',
        targetType: 'product',
        targetId: product.id,
        diff: JSON.stringify(before) === JSON.stringify(wanted) ? {} : { groupIds: [before, wanted] },
      });
      return productOut(product, wanted);
    }),
  );
