import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import { sessions, users } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';
import { hashPassword, verifyPassword } from '../../lib/secrets.js';
import { passwordInput } from '../../lib/validation.js';
import { authenticatedProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { okOut } from '../schemas.js';

export const changePassword = authenticatedProcedure
  .meta({
    permission: { scope: 'authenticated' },
    openapi: {
      method: 'POST',
      path: '/auth/change-password',
      tags: ['auth'],
      summary: 'Change your password; signs out your other sessions',
    },
  })
  .input(z.strictObject({ currentPassword: z.string().min(1, { error: 'Required' }).max(256), newPassword: passwordInput }))
  .output(okOut)
  .mutation(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { actor } = ctx;
    const [user] = await db.select().from(users).where(eq(users.id, actor.userId));
    if (!user) throw notFound('User');
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw new PorticoError('CP_ERR_INVALID_CREDENTIALS', {
        message: 'Current password is incorrect',
        fields: { currentPassword: ['Incorrect'] },
      });
    }
    const passwordHash = await hashPassword(input.newPassword);
    await db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
      // A changed password ends every other session (the reason to change it may be a leak).
      // Access tokens stay valid: they are separate credentials, revoked with tokens.revoke.
      const others =
        actor.via === 'session'
          ? and(eq(sessions.userId, user.id), ne(sessions.id, actor.credentialId))
          : eq(sessions.userId, user.id);
      await tx.delete(sessions).where(others);
      if (actor.tenantId) {
        await recordAudit(tx, ctx, {
          tenantId: actor.tenantId,
          action: 'auth.change_password',
          targetType: 'user',
          targetId: user.id,
        });
      }
    });
    return { ok: true as const };
  });
