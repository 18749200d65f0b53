import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { personalAccessTokens, sessions, tenantMembers } from '../db/schema/index.js';
import { hashToken } from '../lib/secrets.js';
import type { Actor } from '../trpc/context.js';
import { SESSION_COOKIE, csrfMatches } from './cookies.js';

export interface Credentials {
  authorization: string | undefined;
  getCookie(name: string): string | undefined;
  csrfHeader: string | undefined;
}

// Writes of last-used times are coalesced to one a minute per credential.
const TOUCH_INTERVAL = sql`interval '1 minute'`;

async function isMember(db: Db, tenantId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: tenantMembers.id })
    .from(tenantMembers)
    .where(and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.userId, userId)));
  return row !== undefined;
}

/**
 * Bearer token first (SDK, CLI), then the session cookie (portal). Returns the actor, or
 * why the credential sent was refused (so the caller gets a precise 401).
 */
export async function resolveActor(
  db: Db,
  secretKey: Buffer,
  credentials: Credentials,
): Promise<{ actor: Actor | null; failure: string | null }> {
  const now = new Date();
  const bearer = /^Bearer\s+(\S+)$/i.exec(credentials.authorization ?? '')?.[1];
  if (credentials.authorization !== undefined && bearer === undefined) {
    return { actor: null, failure: 'Authorization header must be "Bearer <personal access token>"' };
  }
  if (bearer) {
    const [token] = await db
      .select()
      .from(personalAccessTokens)
      .where(eq(personalAccessTokens.tokenHash, hashToken(bearer)));
    if (!token || token.revokedAt) return { actor: null, failure: 'The access token is not valid or has been revoked' };
    if (token.expiresAt && token.expiresAt <= now) return { actor: null, failure: 'The access token has expired' };
    if (!(await isMember(db, token.tenantId, token.userId))) {
      return { actor: null, failure: 'The access token belongs to a tenant you are no longer a member of' };
    }
    await db
      .update(personalAccessTokens)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(personalAccessTokens.id, token.id),
          or(isNull(personalAccessTokens.lastUsedAt), lt(personalAccessTokens.lastUsedAt, sql`now() - ${TOUCH_INTERVAL}`)),
        ),
      );
    return {
      actor: { userId: token.userId, tenantId: token.tenantId, via: 'token', credentialId: token.id, csrfVerified: true },
      failure: null,
    };
  }

  const sessionToken = credentials.getCookie(SESSION_COOKIE);
  if (!sessionToken) return { actor: null, failure: null };
  const [session] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.tokenHash, hashToken(sessionToken)), gt(sessions.expiresAt, now)));
  if (!session) return { actor: null, failure: 'Your session has expired; sign in again' };
  const tenantId = session.tenantId && (await isMember(db, session.tenantId, session.userId)) ? session.tenantId : null;
  await db
    .update(sessions)
    .set({ lastSeenAt: now })
    .where(and(eq(sessions.id, session.id), lt(sessions.lastSeenAt, sql`now() - ${TOUCH_INTERVAL}`)));
  return {
    actor: {
      userId: session.userId,
      tenantId,
      via: 'session',
      credentialId: session.id,
      csrfVerified: csrfMatches(sessionToken, credentials.csrfHeader, secretKey),
    },
    failure: null,
  };
}
