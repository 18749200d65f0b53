import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { SUBSCRIPTION_STATES, subscriptions } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { filterId, subscriptionOut, subscriptionSchema } from './subscription-out.js';

export const listSubscriptions = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'subscription', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/subscriptions',
      tags: ['subscriptions'],
      summary: 'Subscriptions of a workspace, with filters',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      ...paginationInput,
      state: z.enum(SUBSCRIPTION_STATES).optional(),
      productId: filterId('prd', 'product').optional(),
      ownerId: filterId('usr', 'user').optional(),
    }),
  )
  .output(page(subscriptionSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(subscriptions.createdAt, subscriptions.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.tenantId, ctx.actor.tenantId),
          eq(subscriptions.workspaceId, ctx.workspace.id),
          input.state ? eq(subscriptions.state, input.state) : undefined,
          input.productId ? and(eq(subscriptions.scopeKind, 'product'), eq(subscriptions.scopeId, input.productId)) : undefined,
          input.ownerId ? eq(subscriptions.ownerId, input.ownerId) : undefined,
          where,
        ),
      )
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, subscriptionOut);
  });
