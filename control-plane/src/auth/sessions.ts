import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { sessions } from '../db/schema/index.js';
import { newId } from '../lib/ids.js';
import { hashToken, newSecretToken } from '../lib/secrets.js';
import type { Context } from '../trpc/context.js';
import { CSRF_COOKIE, SESSION_COOKIE, csrfTokenFor } from './cookies.js';

/** Starts a session and sets its cookies; returns the CSRF token for the caller to keep. */
export async function startSession(
  tx: Db,
  ctx: Context,
  userId: string,
  tenantId: string | null,
): Promise<{ csrfToken: string; sessionId: string }> {
  const { config } = ctx.deps;
  const token = newSecretToken('ses');
  const sessionId = newId('ses');
  const ttlSeconds = config.sessionTtlHours * 3600;
  await tx.insert(sessions).values({
    id: sessionId,
    tokenHash: hashToken(token),
    userId,
    tenantId,
    ip: ctx.req.ip,
    userAgent: ctx.req.userAgent.slice(0, 512),
    expiresAt: new Date(Date.now() + ttlSeconds * 1000),
  });
  const csrfToken = csrfTokenFor(token, config.secretKey);
  ctx.req.setCookie(SESSION_COOKIE, token, { httpOnly: true, maxAgeSeconds: ttlSeconds });
  ctx.req.setCookie(CSRF_COOKIE, csrfToken, { httpOnly: false, maxAgeSeconds: ttlSeconds });
  return { csrfToken, sessionId };
}

export async function endSession(tx: Db, ctx: Context, sessionId: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.id, sessionId));
  ctx.req.setCookie(SESSION_COOKIE, '', { httpOnly: true, maxAgeSeconds: 0 });
  ctx.req.setCookie(CSRF_COOKIE, '', { httpOnly: false, maxAgeSeconds: 0 });
}
