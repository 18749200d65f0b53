import { z } from 'zod';
import { invalidField } from '../../errors.js';
import { entityId, nameInput } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { findVisibleProduct } from '../products/visible-products.js';
import { assertSubscribable, assertUnderLimit, insertSubscription } from './insert-subscription.js';
import { subscriptionWithKeysSchema } from './subscription-out.js';

/**
 * A developer subscribes to a published product visible to one of their groups: `submitted`
 * until an administrator approves when the product asks for approval, else `active` at once.
 */
export const subscribe = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'developer-portal', action: 'manage' },
    openapi: {
      method: 'POST',
      path: '/portal/subscriptions',
      tags: ['developer portal'],
      summary: 'Subscribe to a product (keys shown once)',
    },
  })
  .input(
    z.strictObject({
      productId: entityId('prd', 'product'),
      name: nameInput('name').meta({ example: 'My app', description: 'To tell your subscriptions apart' }),
      acceptTerms: z.boolean().default(false).meta({ description: 'Required when the product has terms' }),
    }),
  )
  .output(subscriptionWithKeysSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId, userId } = ctx.actor;
      const product = await findVisibleProduct(tx, tenantId, userId, input.productId);
      assertSubscribable(product);
      if (product.terms !== '' && !input.acceptTerms) {
        throw invalidField('acceptTerms', "Accept the product's terms of use to subscribe");
      }
      await assertUnderLimit(tx, product, userId);
      return insertSubscription(tx, ctx, {
        tenantId,
        workspaceId: product.workspaceId,
        ownerId: userId,
        scopeKind: 'product',
        scopeId: product.id,
        name: input.name,
        state: product.approvalRequired ? 'submitted' : 'active',
        expiresAt: null,
      });
    }),
  );
