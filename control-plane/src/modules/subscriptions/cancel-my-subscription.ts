import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { findOwnSubscription, subscriptionOut, subscriptionSchema } from './subscription-out.js';
import { transitionSubscription } from './transition-subscription.js';
import { reasonInput } from './transition-procedure.js';

/** The owner's one transition: the same `cancel` arrow the administrators have. */
export const cancelMySubscription = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'developer-portal', action: 'manage' },
    openapi: {
      method: 'POST',
      path: '/portal/subscriptions/{subscriptionId}/cancel',
      tags: ['developer portal'],
      summary: 'Cancel one of your subscriptions',
    },
  })
  .input(z.strictObject({ subscriptionId: entityId('sub', 'subscription'), reason: reasonInput.optional() }))
  .output(subscriptionSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const row = await findOwnSubscription(tx, ctx.actor.tenantId, ctx.actor.userId, input.subscriptionId);
      return subscriptionOut(await transitionSubscription(tx, ctx, row, 'cancel', input.reason));
    }),
  );
