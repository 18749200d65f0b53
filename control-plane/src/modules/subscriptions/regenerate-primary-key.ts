import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { regenerateKey } from './subscription-keys.js';
import { findSubscription, regeneratedKeySchema } from './subscription-out.js';

export const regeneratePrimaryKey = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'subscription', action: 'update' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/subscriptions/{subscriptionId}/regenerate-primary-key',
      tags: ['subscriptions'],
      summary: 'Replace the primary key (shown once); the other key keeps working',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), subscriptionId: entityId('sub', 'subscription') }))
  .output(regeneratedKeySchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const row = await findSubscription(tx, ctx.actor.tenantId, ctx.workspace.id, input.subscriptionId);
      return regenerateKey(tx, ctx, row, 'primary');
    }),
  );
