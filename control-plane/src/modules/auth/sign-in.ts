import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { startSession } from '../../auth/sessions.js';
import { THROTTLE, accountKey, assertNotLocked, clearFailures, ipKey, recordFailure } from '../../auth/throttle.js';
import { tenantMembers, users } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { decoyPasswordHash, verifyPassword } from '../../lib/secrets.js';
import { emailInput } from '../../lib/validation.js';
import { publicProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { userOut } from '../schemas.js';

export const signIn = publicProcedure
  .meta({
    permission: { scope: 'public' },
    openapi: {
      method: 'POST',
      path: '/auth/sign-in',
      tags: ['auth'],
      protect: false,
      summary: 'Sign in; sets the session cookie',
    },
  })
  .input(z.strictObject({ email: emailInput, password: z.string().min(1, { error: 'Required' }).max(256) }))
  .output(z.object({ user: userOut, tenantId: z.string().nullable(), csrfToken: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const account = accountKey(input.email);
    const ip = ipKey(ctx.req.ip);
    await assertNotLocked(db, [account, ip]);

    const [user] = await db.select().from(users).where(eq(users.email, input.email));
    // Verify against a decoy when the account does not exist: same time, same answer.
    const valid = await verifyPassword(input.password, user?.passwordHash ?? (await decoyPasswordHash()));
    if (!user || !valid) {
      // Outside any transaction: the failure must count even though the request fails.
      await recordFailure(db, account, THROTTLE.maxAccountFailures);
      await recordFailure(db, ip, THROTTLE.maxIpFailures);
      ctx.deps.logger.info({ email: input.email, ip: ctx.req.ip, requestId: ctx.req.requestId }, 'sign-in failed');
      throw new PorticoError('CP_ERR_INVALID_CREDENTIALS');
    }
    await clearFailures(db, account);

    return db.transaction(async (tx) => {
      const [membership] = await tx
        .select({ tenantId: tenantMembers.tenantId })
        .from(tenantMembers)
        .where(eq(tenantMembers.userId, user.id))
        .orderBy(asc(tenantMembers.createdAt))
        .limit(1);
      const tenantId = membership?.tenantId ?? null;
      const { csrfToken, sessionId } = await startSession(tx, ctx, user.id, tenantId);
      if (tenantId) {
        await recordAudit(tx, ctx, {
          tenantId,
          actorId: user.id,
          action: 'auth.sign_in',
          targetType: 'session',
          targetId: sessionId,
        });
      }
      return { user: { id: user.id, email: user.email, name: user.name }, tenantId, csrfToken };
    });
  });
