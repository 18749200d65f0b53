import { z } from 'zod';
import { products } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { newId } from '../../lib/ids.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { assertApprovalConsistent, assertNameFree, nameTaken, productFields, productOut, productSchema } from './product-out.js';

/** Products start unpublished and visible to no group: publish them and pick groups when ready. */
export const createProduct = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'create' },
    openapi: { method: 'POST', path: '/workspaces/{workspaceId}/products', tags: ['products'], summary: 'Create a product' },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      name: productFields.name,
      description: productFields.description.default(''),
      subscriptionRequired: productFields.subscriptionRequired.default(true),
      approvalRequired: productFields.approvalRequired.default(false),
      subscriptionsLimit: productFields.subscriptionsLimit.default(null),
      terms: productFields.terms.default(''),
    }),
  )
  .output(productSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const workspaceId = ctx.workspace.id;
      assertApprovalConsistent(input);
      await assertNameFree(tx, tenantId, workspaceId, input.name);
      const [row] = await tx
        .insert(products)
        .values({
          id: newId('prd'),
          tenantId,
          workspaceId,
          name: input.name,
          description: input.description,
          subscriptionRequired: input.subscriptionRequired,
          approvalRequired: input.approvalRequired,
          subscriptionsLimit: input.subscriptionsLimit,
          terms: input.terms,
        })
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name) : error;
        });
      const product = row!;
      await recordConfigChange(tx, tenantId, [{ entityType: 'product', entityId: product.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId,
        action: 'product.create',
        targetType: 'product',
        targetId: product.id,
        diff: createdDiff({
          name: product.name,
          subscriptionRequired: product.subscriptionRequired,
          approvalRequired: product.approvalRequired,
          subscriptionsLimit: product.subscriptionsLimit,
        }),
      });
      return productOut(product, []);
    }),
  );
