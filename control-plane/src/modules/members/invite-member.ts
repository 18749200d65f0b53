import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { invitations, tenantMembers, tenants, users, workspaces } from '../../db/schema/index.js';
import { PorticoError, invalidField, notFound } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { hashToken, newSecretToken } from '../../lib/secrets.js';
import { emailInput, entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { tenantRole, workspaceRole } from '../schemas.js';
import { assertMayTouchRole } from './member-rows.js';
import { invitationOut, invitationSchema } from './invitation-out.js';

export const inviteMember = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'invitation', action: 'create' },
    openapi: { method: 'POST', path: '/invitations', tags: ['members'], summary: 'Invite someone by e-mail' },
  })
  .input(
    z.strictObject({
      email: emailInput,
      role: tenantRole.default('member'),
      workspaceId: entityId('ws', 'workspace').optional(),
      workspaceRole: workspaceRole.optional(),
    }),
  )
  .output(
    invitationSchema.extend({
      acceptUrl: z.string().meta({ description: 'Shown once, also sent by e-mail; share it only with the invitee' }),
      emailId: z.string(),
    }),
  )
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId, userId } = ctx.actor;
      const { config, mailer } = ctx.deps;
      if ((input.workspaceId === undefined) !== (input.workspaceRole === undefined)) {
        throw invalidField(input.workspaceId ? 'workspaceRole' : 'workspaceId', 'Give workspaceId and workspaceRole together');
      }
      await assertMayTouchRole(tx, ctx.actor, input.role);
      let workspaceName: string | undefined;
      if (input.workspaceId) {
        const [ws] = await tx
          .select()
          .from(workspaces)
          .where(and(eq(workspaces.id, input.workspaceId), eq(workspaces.tenantId, tenantId)));
        if (!ws) throw notFound('Workspace');
        workspaceName = ws.name;
      }
      const [already] = await tx
        .select({ id: tenantMembers.id })
        .from(tenantMembers)
        .innerJoin(users, eq(users.id, tenantMembers.userId))
        .where(and(eq(tenantMembers.tenantId, tenantId), eq(users.email, input.email)));
      if (already)
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: `${input.email} is already a member`,
          fields: { email: ['Already a member'] },
        });

      // A new invitation replaces any pending one for the same address.
      await tx
        .update(invitations)
        .set({ state: 'revoked' })
        .where(and(eq(invitations.tenantId, tenantId), eq(invitations.email, input.email), eq(invitations.state, 'pending')));

      const token = newSecretToken('inv');
      const [row] = await tx
        .insert(invitations)
        .values({
          id: newId('inv'),
          tenantId,
          email: input.email,
          role: input.role,
          workspaceId: input.workspaceId ?? null,
          workspaceRole: input.workspaceRole ?? null,
          tokenHash: hashToken(token),
          invitedBy: userId,
          expiresAt: new Date(Date.now() + config.invitationTtlHours * 3600_000),
        })
        .returning();
      const invitation = row!;
      const [tenant] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId));
      const [inviter] = await tx.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, userId));
      const acceptUrl = `${config.publicUrl}/invitations/accept?token=${encodeURIComponent(token)}`;
      const emailId = await mailer.enqueue(tx, {
        tenantId,
        to: input.email,
        subject: `${inviter?.name ?? 'Someone'} invited you to ${tenant?.name ?? 'a tenant'} on Portico`,
        text: [
          `${inviter?.name ?? 'Someone'} (${inviter?.email ?? ''}) invited you to join ${tenant?.name ?? 'their tenant'} on Portico as ${input.role}` +
            (workspaceName ? `, with the ${input.workspaceRole} role in the ${workspaceName} workspace.` : '.'),
          '',
          `Accept the invitation: ${acceptUrl}`,
          '',
          `The link works once and expires on ${invitation.expiresAt.toUTCString()}.`,
        ].join('\n'),
        reason: `invitation:${invitation.id}`,
      });
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: input.workspaceId ?? null,
        action: 'invitation.create',
        targetType: 'invitation',
        targetId: invitation.id,
        diff: createdDiff({
          email: input.email,
          role: input.role,
          workspaceId: input.workspaceId,
          workspaceRole: input.workspaceRole,
        }),
      });
      return { ...invitationOut(invitation), acceptUrl, emailId };
    }),
  );
