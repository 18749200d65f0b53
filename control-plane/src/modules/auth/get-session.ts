import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { SESSION_COOKIE, csrfTokenFor } from '../../auth/cookies.js';
import { tenantMembers, tenants, users } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { authenticatedProcedure } from '../../trpc/procedures.js';
import { tenantRole, userOut } from '../schemas.js';

export const getSession = authenticatedProcedure
  .meta({
    permission: { scope: 'authenticated' },
    openapi: { method: 'GET', path: '/auth/session', tags: ['auth'], summary: 'Who am I: user, active tenant, memberships' },
  })
  .input(z.strictObject({}).optional())
  .output(
    z.object({
      user: userOut,
      via: z.enum(['session', 'token']),
      tenantId: z.string().nullable(),
      memberships: z.array(z.object({ tenantId: z.string(), tenantName: z.string(), tenantSlug: z.string(), role: tenantRole })),
      csrfToken: z.string().nullable(),
    }),
  )
  .query(async ({ ctx }) => {
    const { db, config } = ctx.deps;
    const [user] = await db.select().from(users).where(eq(users.id, ctx.actor.userId));
    if (!user) throw notFound('User');
    const memberships = await db
      .select({ tenantId: tenants.id, tenantName: tenants.name, tenantSlug: tenants.slug, role: tenantMembers.role })
      .from(tenantMembers)
      .innerJoin(tenants, eq(tenants.id, tenantMembers.tenantId))
      .where(eq(tenantMembers.userId, user.id))
      .orderBy(asc(tenantMembers.createdAt));
    const sessionToken = ctx.actor.via === 'session' ? ctx.req.getCookie(SESSION_COOKIE) : undefined;
    return {
      user: { id: user.id, email: user.email, name: user.name },
      via: ctx.actor.via,
      tenantId: ctx.actor.tenantId,
      memberships,
      csrfToken: sessionToken ? csrfTokenFor(sessionToken, config.secretKey) : null,
    };
  });
