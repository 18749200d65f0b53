import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { startSession } from '../../auth/sessions.js';
import { users } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { hashPassword } from '../../lib/secrets.js';
import { emailInput, nameInput, passwordInput } from '../../lib/validation.js';
import { publicProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { tenantOut, toTenantOut, toWorkspaceOut, userOut, workspaceOut } from '../schemas.js';
import { createTenant, createUser } from './create-account.js';

export const signUp = publicProcedure
  .meta({
    permission: { scope: 'public' },
    openapi: {
      method: 'POST',
      path: '/auth/sign-up',
      tags: ['auth'],
      protect: false,
      summary: 'Create an account, a tenant and its default workspace',
    },
  })
  .input(
    z.strictObject({
      email: emailInput,
      password: passwordInput,
      name: nameInput('name'),
      organization: nameInput('organization'),
    }),
  )
  .output(z.object({ user: userOut, tenant: tenantOut, workspace: workspaceOut, csrfToken: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const passwordHash = await hashPassword(input.password);
    return ctx.deps.db.transaction(async (tx) => {
      const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, input.email));
      if (existing) {
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: 'An account with this email already exists; sign in instead',
          fields: { email: ['Already registered'] },
        });
      }
      const user = await createUser(tx, input.email, input.name, passwordHash);
      const { tenant, workspace } = await createTenant(tx, user.id, input.organization);
      const { csrfToken } = await startSession(tx, ctx, user.id, tenant.id);
      await recordAudit(tx, ctx, {
        tenantId: tenant.id,
        actorId: user.id,
        action: 'auth.sign_up',
        targetType: 'tenant',
        targetId: tenant.id,
        diff: { name: [null, tenant.name], owner: [null, user.email] },
      });
      return {
        user: { id: user.id, email: user.email, name: user.name },
        tenant: toTenantOut(tenant),
        workspace: toWorkspaceOut(workspace),
        csrfToken,
      };
    });
  });
