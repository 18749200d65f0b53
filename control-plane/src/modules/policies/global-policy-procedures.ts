import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { workspaces } from '../../db/schema/index.js';
import { router, tenantProcedure } from '../../trpc/procedures.js';
import { okOut } from '../schemas.js';
import { deletePolicyDocument, findPolicyDocument, policyDocumentOut, savePolicyDocument } from './policy-store.js';
import { policyDocumentSchema } from './policy-target.js';
import { policySourceInput } from './scoped-policy-procedures.js';

const globalTarget = (tenantId: string) => ({ scope: 'global' as const, scopeId: tenantId });

/** Named values are kept per workspace; the tenant-wide document draws on the default workspace's. */
async function defaultWorkspaceId(tx: Db, tenantId: string): Promise<string> {
  const [row] = await tx
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(and(eq(workspaces.tenantId, tenantId), eq(workspaces.isDefault, true)));
  return row?.id ?? '';
}

const tags = ['policies'];

export const globalPolicyRouter = router({
  get: tenantProcedure
    .meta({
      permission: { scope: 'tenant', object: 'global-policy', action: 'read' },
      openapi: { method: 'GET', path: '/policy', tags, summary: 'The tenant-wide (global) policy document, or null' },
    })
    .input(z.strictObject({}).optional())
    .output(policyDocumentSchema.nullable())
    .query(async ({ ctx }) => {
      const row = await findPolicyDocument(ctx.deps.db, ctx.actor.tenantId, globalTarget(ctx.actor.tenantId));
      return row ? policyDocumentOut(row) : null;
    }),
  set: tenantProcedure
    .meta({
      permission: { scope: 'tenant', object: 'global-policy', action: 'update' },
      openapi: { method: 'PUT', path: '/policy', tags, summary: 'Create or replace the global policy document' },
    })
    .input(z.strictObject(policySourceInput))
    .output(policyDocumentSchema)
    .mutation(({ ctx, input }) =>
      ctx.deps.db.transaction(async (tx) => {
        const { tenantId } = ctx.actor;
        const row = await savePolicyDocument(tx, ctx, {
          tenantId,
          workspaceId: null,
          namedValueWorkspaceId: await defaultWorkspaceId(tx, tenantId),
          target: globalTarget(tenantId),
          format: input.format,
          source: input.source,
          version: input.version,
        });
        return policyDocumentOut(row);
      }),
    ),
  delete: tenantProcedure
    .meta({
      permission: { scope: 'tenant', object: 'global-policy', action: 'delete' },
      openapi: { method: 'DELETE', path: '/policy', tags, summary: 'Remove the global policy document' },
    })
    .input(z.strictObject({}).optional())
    .output(okOut)
    .mutation(({ ctx }) =>
      ctx.deps.db.transaction(async (tx) => {
        await deletePolicyDocument(tx, ctx, ctx.actor.tenantId, null, globalTarget(ctx.actor.tenantId));
        return { ok: true as const };
      }),
    ),
});
