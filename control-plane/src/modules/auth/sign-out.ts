import { z } from 'zod';
import { endSession } from '../../auth/sessions.js';
import { PorticoError } from '../../errors.js';
import { authenticatedProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { okOut } from '../schemas.js';

export const signOut = authenticatedProcedure
  .meta({
    permission: { scope: 'authenticated' },
    openapi: { method: 'POST', path: '/auth/sign-out', tags: ['auth'], summary: 'End the current session' },
  })
  .input(z.strictObject({}).optional())
  .output(okOut)
  .mutation(async ({ ctx }) => {
    const { actor } = ctx;
    if (actor.via !== 'session') {
      throw new PorticoError('CP_ERR_VALIDATION', {
        message: 'Access tokens have no session; revoke the token with tokens.revoke',
      });
    }
    await ctx.deps.db.transaction(async (tx) => {
      await endSession(tx, ctx, actor.credentialId);
      if (actor.tenantId) {
        await recordAudit(tx, ctx, {
          tenantId: actor.tenantId,
          action: 'auth.sign_out',
          targetType: 'session',
          targetId: actor.credentialId,
        });
      }
    });
    return { ok: true as const };
  });
