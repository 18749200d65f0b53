import { and, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import { setTenantRole, setWorkspaceRole } from '../../authz/grants.js';
import { startSession } from '../../auth/sessions.js';
import { THROTTLE, accountKey, assertNotLocked, clearFailures, ipKey, recordFailure } from '../../auth/throttle.js';
import { invitations, tenantMembers, users, workspaceMembers } from '../../db/schema/index.js';
import { PorticoError, invalidField } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { hashPassword, hashToken, verifyPassword } from '../../lib/secrets.js';
import { nameInput, passwordInput } from '../../lib/validation.js';
import { publicProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { userOut } from '../schemas.js';
import { createUser } from './create-account.js';

/**
 * Joins the inviting tenant. A new user chooses a name and password here; an existing user
 * proves the account with its password. Either way they leave signed in, acting in that tenant.
 */
export const acceptInvitation = publicProcedure
  .meta({
    permission: { scope: 'public' },
    openapi: {
      method: 'POST',
      path: '/auth/accept-invitation',
      tags: ['auth'],
      protect: false,
      summary: 'Accept an invitation (token from the e-mail)',
    },
  })
  .input(
    z.strictObject({
      token: z.string().min(1, { error: 'Required' }).max(200),
      password: z.string().min(1, { error: 'Required' }).max(256),
      name: nameInput('name').optional(),
    }),
  )
  .output(z.object({ user: userOut, tenantId: z.string(), csrfToken: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const [invitation] = await db
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.tokenHash, hashToken(input.token)),
          eq(invitations.state, 'pending'),
          gt(invitations.expiresAt, new Date()),
        ),
      );
    if (!invitation) {
      throw new PorticoError('CP_ERR_NOT_FOUND', {
        message: 'This invitation is not valid: it was used, revoked or has expired',
      });
    }
    const [existing] = await db.select().from(users).where(eq(users.email, invitation.email));
    let passwordHash: string | undefined;
    if (existing) {
      const keys = [accountKey(existing.email), ipKey(ctx.req.ip)];
      await assertNotLocked(db, keys);
      if (!(await verifyPassword(input.password, existing.passwordHash))) {
        await recordFailure(db, accountKey(existing.email), THROTTLE.maxAccountFailures);
        await recordFailure(db, ipKey(ctx.req.ip), THROTTLE.maxIpFailures);
        throw new PorticoError('CP_ERR_INVALID_CREDENTIALS', {
          message: `An account for ${existing.email} exists; enter its password to accept`,
          fields: { password: ['Incorrect'] },
        });
      }
      await clearFailures(db, accountKey(existing.email));
    } else {
      if (!input.name) throw invalidField('name', 'Required for a new account');
      const parsed = passwordInput.safeParse(input.password);
      if (!parsed.success) throw invalidField('password', parsed.error.issues[0]?.message ?? 'Invalid');
      passwordHash = await hashPassword(input.password);
    }

    return db.transaction(async (tx) => {
      // Claim the invitation first: of two concurrent acceptances, one wins.
      const claimed = await tx
        .update(invitations)
        .set({ state: 'accepted', acceptedAt: new Date() })
        .where(and(eq(invitations.id, invitation.id), eq(invitations.state, 'pending')))
        .returning({ id: invitations.id });
      if (claimed.length === 0) throw new PorticoError('CP_ERR_CONFLICT', { message: 'This invitation was already used' });

      const user = existing ?? (await createUser(tx, invitation.email, input.name!, passwordHash!));
      const [member] = await tx
        .select({ id: tenantMembers.id })
        .from(tenantMembers)
        .where(and(eq(tenantMembers.tenantId, invitation.tenantId), eq(tenantMembers.userId, user.id)));
      if (member) throw new PorticoError('CP_ERR_CONFLICT', { message: 'You are already a member of this tenant' });
      await tx
        .insert(tenantMembers)
        .values({ id: newId('tmem'), tenantId: invitation.tenantId, userId: user.id, role: invitation.role });
      await setTenantRole(tx, invitation.tenantId, user.id, invitation.role);
      if (invitation.workspaceId && invitation.workspaceRole) {
        await tx.insert(workspaceMembers).values({
          id: newId('wmem'),
          tenantId: invitation.tenantId,
          workspaceId: invitation.workspaceId,
          userId: user.id,
          role: invitation.workspaceRole,
        });
        await setWorkspaceRole(tx, invitation.workspaceId, user.id, invitation.workspaceRole);
      }
      await tx.update(invitations).set({ acceptedBy: user.id }).where(eq(invitations.id, invitation.id));
      const { csrfToken } = await startSession(tx, ctx, user.id, invitation.tenantId);
      await recordAudit(tx, ctx, {
        tenantId: invitation.tenantId,
        workspaceId: invitation.workspaceId,
        actorId: user.id,
        action: 'invitation.accept',
        targetType: 'invitation',
        targetId: invitation.id,
        diff: { member: [null, user.email], role: [null, invitation.role] },
      });
      return { user: { id: user.id, email: user.email, name: user.name }, tenantId: invitation.tenantId, csrfToken };
    });
  });
