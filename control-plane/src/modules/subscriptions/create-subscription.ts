import { z } from 'zod';
import { SUBSCRIPTION_SCOPE_KINDS } from '../../db/schema/index.js';
import { invalidField } from '../../errors.js';
import { entityId, isoDate, nameInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { findMember } from '../members/member-rows.js';
import { findProduct } from '../products/product-out.js';
import { assertSubscribable, assertUnderLimit, insertSubscription } from './insert-subscription.js';
import { subscriptionWithKeysSchema } from './subscription-out.js';

/**
 * An administrator subscribes any tenant member to a product, an API or all APIs of the
 * workspace, active at once (approval is theirs to give). The product need not be published or
 * visible to the owner, but its per-user limit holds. Ids are looked up before the scope is
 * checked against them, so another tenant's id is always NOT_FOUND.
 */
export const createSubscription = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'subscription', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/subscriptions',
      tags: ['subscriptions'],
      summary: 'Create a subscription for a tenant member (keys shown once)',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      ownerId: entityId('usr', 'user').meta({ description: 'The tenant member who will hold the keys' }),
      // The narrowest scope as the sample: `all_apis` opens every API of the workspace.
      scope: z.enum(SUBSCRIPTION_SCOPE_KINDS).meta({
        example: 'product',
        description: 'product: give productId; api: give apiId; all_apis: every API of the workspace',
      }),
      productId: entityId('prd', 'product').optional(),
      apiId: entityId('api', 'API').optional(),
      name: nameInput('name').meta({ example: 'Mobile app' }),
      expiresAt: isoDate.nullable().default(null).meta({ description: 'When it expires; null = never' }),
    }),
  )
  .output(subscriptionWithKeysSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const workspaceId = ctx.workspace.id;
      const owner = await findMember(tx, tenantId, input.ownerId);
      const product = input.productId ? await findProduct(tx, tenantId, workspaceId, input.productId) : null;
      const api = input.apiId ? await findApi(tx, tenantId, workspaceId, input.apiId) : null;
      if (input.scope === 'product' && !product) throw invalidField('productId', 'Required for a product subscription');
      if (input.scope === 'api' && !api) throw invalidField('apiId', 'Required for an API subscription');
      if (input.scope !== 'product' && product) throw invalidField('productId', 'Only for a product subscription');
      if (input.scope !== 'api' && api) throw invalidField('apiId', 'Only for an API subscription');
      const expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt);
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw invalidField('expiresAt', 'Must be in the future');
      if (product) {
        assertSubscribable(product);
        await assertUnderLimit(tx, product, owner.userId);
      }
      return insertSubscription(tx, ctx, {
        tenantId,
        workspaceId,
        ownerId: owner.userId,
        scopeKind: input.scope,
        scopeId: product?.id ?? api?.id ?? null,
        name: input.name,
        state: 'active',
        expiresAt,
      });
    }),
  );
