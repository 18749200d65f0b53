import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { personalAccessTokens } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { tokenOut, tokenSchema } from './token-out.js';

/** Revokes one of your own tokens. Revoking twice is harmless and keeps the first time. */
export const revokeToken = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'token', action: 'manage' },
    openapi: { method: 'DELETE', path: '/tokens/{tokenId}', tags: ['tokens'], summary: 'Revoke a personal access token' },
  })
  .input(z.strictObject({ tokenId: entityId('pat', 'token') }))
  .output(tokenSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId, userId } = ctx.actor;
      const scoped = and(
        eq(personalAccessTokens.id, input.tokenId),
        eq(personalAccessTokens.tenantId, tenantId),
        eq(personalAccessTokens.userId, userId),
      );
      const [before] = await tx.select().from(personalAccessTokens).where(scoped);
      if (!before) throw notFound('Token');
      const revokedAt = before.revokedAt ?? new Date();
      const [after] = await tx.update(personalAccessTokens).set({ revokedAt }).where(scoped).returning();
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'token.revoke',
        targetType: 'token',
        targetId: before.id,
        diff: { revokedAt: [before.revokedAt?.toISOString() ?? null, revokedAt.toISOString()] },
      });
      return tokenOut(after!);
    }),
  );
