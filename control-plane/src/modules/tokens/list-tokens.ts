import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { personalAccessTokens } from '../../db/schema/index.js';
import { page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { tokenOut, tokenSchema } from './token-out.js';

export const listTokens = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'token', action: 'manage' },
    openapi: { method: 'GET', path: '/tokens', tags: ['tokens'], summary: 'Your personal access tokens in this tenant' },
  })
  .input(z.strictObject(paginationInput))
  .output(page(tokenSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(personalAccessTokens.createdAt, personalAccessTokens.id, input.cursor, 'desc');
    const rows = await ctx.deps.db
      .select()
      .from(personalAccessTokens)
      .where(and(eq(personalAccessTokens.tenantId, ctx.actor.tenantId), eq(personalAccessTokens.userId, ctx.actor.userId), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, tokenOut);
  });
