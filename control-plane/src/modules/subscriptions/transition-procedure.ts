import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findSubscription, subscriptionOut, subscriptionSchema } from './subscription-out.js';
import { TRANSITIONS, type TransitionVerb } from './subscription-states.js';
import { transitionSubscription } from './transition-subscription.js';

export const reasonInput = z.string().trim().min(1).max(2000).meta({
  description: 'Why; kept as the state comment the owner sees, and in the audit log',
  example: 'Requested by the owner',
});

/** The admin side of one arrow of the lifecycle: `POST …/subscriptions/{id}/<verb>`. */
export function transitionProcedure(verb: TransitionVerb, summary: string) {
  return workspaceProcedure
    .meta({
      permission: { scope: 'workspace', object: 'subscription', action: 'update' },
      openapi: {
        method: 'POST',
        path: `/workspaces/{workspaceId}/subscriptions/{subscriptionId}/${verb}`,
        tags: ['subscriptions'],
        summary: `${summary} (from ${TRANSITIONS[verb].from.join(', ')})`,
      },
    })
    .input(
      z.strictObject({
        workspaceId: entityId('ws', 'workspace'),
        subscriptionId: entityId('sub', 'subscription'),
        reason: reasonInput.optional(),
      }),
    )
    .output(subscriptionSchema)
    .mutation(({ ctx, input }) =>
      ctx.deps.db.transaction(async (tx) => {
        const row = await findSubscription(tx, ctx.actor.tenantId, ctx.workspace.id, input.subscriptionId);
        return subscriptionOut(await transitionSubscription(tx, ctx, row, verb, input.reason));
      }),
    );
}
