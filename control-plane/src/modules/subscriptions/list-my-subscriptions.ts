import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { SUBSCRIPTION_STATES, subscriptions } from '../../db/schema/index.js';
import { page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { subscriptionOut, subscriptionSchema } from './subscription-out.js';

export const listMySubscriptions = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'developer-portal', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/portal/subscriptions',
      tags: ['developer portal'],
      summary: 'Your subscriptions in this tenant (never their keys)',
    },
  })
  .input(z.strictObject({ ...paginationInput, state: z.enum(SUBSCRIPTION_STATES).optional() }))
  .output(page(subscriptionSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(subscriptions.createdAt, subscriptions.id, input.cursor, 'asc');
    const rows = await ctx.deps.db
      .select()
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.tenantId, ctx.actor.tenantId),
          eq(subscriptions.ownerId, ctx.actor.userId),
          input.state ? eq(subscriptions.state, input.state) : undefined,
          where,
        ),
      )
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, subscriptionOut);
  });
