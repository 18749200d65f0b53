import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { INVITATION_STATES, invitations } from '../../db/schema/index.js';
import { page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { invitationOut, invitationSchema } from './invitation-out.js';

export const listInvitations = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'invitation', action: 'read' },
    openapi: { method: 'GET', path: '/invitations', tags: ['members'], summary: 'Invitations, newest first' },
  })
  .input(z.strictObject({ ...paginationInput, state: z.enum(INVITATION_STATES).optional() }))
  .output(page(invitationSchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(invitations.createdAt, invitations.id, input.cursor, 'desc');
    const rows = await ctx.deps.db
      .select()
      .from(invitations)
      .where(
        and(eq(invitations.tenantId, ctx.actor.tenantId), input.state ? eq(invitations.state, input.state) : undefined, where),
      )
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, invitationOut);
  });
