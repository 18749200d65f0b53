import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { KEY_NAMES, regenerateKey } from './subscription-keys.js';
import { findOwnSubscription, regeneratedKeySchema } from './subscription-out.js';

export const regenerateMyKey = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'developer-portal', action: 'manage' },
    openapi: {
      method: 'POST',
      path: '/portal/subscriptions/{subscriptionId}/regenerate-key',
      tags: ['developer portal'],
      summary: 'Replace one key of your subscription (shown once); the other keeps working',
    },
  })
  .input(z.strictObject({ subscriptionId: entityId('sub', 'subscription'), key: z.enum(KEY_NAMES) }))
  .output(regeneratedKeySchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const row = await findOwnSubscription(tx, ctx.actor.tenantId, ctx.actor.userId, input.subscriptionId);
      return regenerateKey(tx, ctx, row, input.key);
    }),
  );
