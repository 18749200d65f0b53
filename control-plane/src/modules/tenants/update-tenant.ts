import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { tenants } from '../../db/schema/index.js';
import { notFound, versionMismatch } from '../../errors.js';
import { nameInput, versionInput } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { tenantOut, toTenantOut } from '../schemas.js';

export const updateTenant = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'tenant', action: 'update' },
    openapi: { method: 'PATCH', path: '/tenant', tags: ['tenants'], summary: 'Rename the tenant' },
  })
  .input(z.strictObject({ version: versionInput, name: nameInput('name') }))
  .output(tenantOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const tenantId = ctx.actor.tenantId;
      const [before] = await tx.select().from(tenants).where(eq(tenants.id, tenantId));
      if (!before) throw notFound('Tenant');
      const [after] = await tx
        .update(tenants)
        .set({ name: input.name, version: sql`${tenants.version} + 1`, updatedAt: new Date() })
        .where(and(eq(tenants.id, tenantId), eq(tenants.version, input.version)))
        .returning();
      if (!after) throw versionMismatch(before.version);
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'tenant.update',
        targetType: 'tenant',
        targetId: tenantId,
        diff: diffOf(before, { name: after.name }),
      });
      return toTenantOut(after);
    }),
  );
