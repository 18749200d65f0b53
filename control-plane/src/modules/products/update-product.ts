import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { products } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { versionMismatch } from '../../errors.js';
import { entityId, versionInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import {
  assertApprovalConsistent,
  assertNameFree,
  findProduct,
  nameTaken,
  productFields,
  productSchema,
  productWithGroups,
} from './product-out.js';

/** Settings only: state has publish/unpublish, APIs and groups their own procedures. */
export const updateProduct = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/workspaces/{workspaceId}/products/{productId}',
      tags: ['products'],
      summary: "Change a product's settings",
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      productId: entityId('prd', 'product'),
      version: versionInput,
      name: productFields.name.optional(),
      description: productFields.description.optional(),
      subscriptionRequired: productFields.subscriptionRequired.optional(),
      approvalRequired: productFields.approvalRequired.optional(),
      subscriptionsLimit: productFields.subscriptionsLimit.optional(),
      terms: productFields.terms.optional(),
    }),
  )
  .output(productSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const { workspaceId: _w, productId, version, ...changes } = input;
      const before = await findProduct(tx, tenantId, ctx.workspace.id, productId);
      assertApprovalConsistent({
        subscriptionRequired: changes.subscriptionRequired ?? before.subscriptionRequired,
        approvalRequired: changes.approvalRequired ?? before.approvalRequired,
      });
      if (changes.name !== undefined) await assertNameFree(tx, tenantId, before.workspaceId, changes.name, before.id);
      const [after] = await tx
        .update(products)
        .set({ ...changes, version: sql`${products.version} + 1`, updatedAt: new Date() })
        .where(and(eq(products.id, before.id), eq(products.tenantId, tenantId), eq(products.version, version)))
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(changes.name ?? before.name) : error;
        });
      if (!after) {
        throw versionMismatch(before.version);
      }
      await recordConfigChange(tx, tenantId, [{ entityType: 'product', entityId: after.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: after.workspaceId,
        action: 'product.update',
        targetType: 'product',
        targetId: after.id,
        diff: diffOf(before, changes),
      });
      return productWithGroups(tx, after);
    }),
  );
