import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { tenants } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { tenantOut, toTenantOut } from '../schemas.js';

export const getTenant = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'tenant', action: 'read' },
    openapi: { method: 'GET', path: '/tenant', tags: ['tenants'], summary: 'The tenant you act in' },
  })
  .input(z.strictObject({}).optional())
  .output(tenantOut)
  .query(async ({ ctx }) => {
    const [tenant] = await ctx.deps.db.select().from(tenants).where(eq(tenants.id, ctx.actor.tenantId));
    if (!tenant) throw notFound('Tenant');
    return toTenantOut(tenant);
  });
