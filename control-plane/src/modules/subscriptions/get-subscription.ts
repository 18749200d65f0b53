import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findSubscription, subscriptionOut, subscriptionSchema } from './subscription-out.js';

export const getSubscription = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'subscription', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/subscriptions/{subscriptionId}',
      tags: ['subscriptions'],
      summary: 'One subscription (never its keys)',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), subscriptionId: entityId('sub', 'subscription') }))
  .output(subscriptionSchema)
  .query(async ({ ctx, input }) =>
    subscriptionOut(await findSubscription(ctx.deps.db, ctx.actor.tenantId, ctx.workspace.id, input.subscriptionId)),
  );
