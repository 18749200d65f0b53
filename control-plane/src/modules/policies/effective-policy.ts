import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { POLICY_SECTIONS, operations, policyDocuments, type PolicyScope } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { mergePolicyScopes } from './merge-policy-scopes.js';
import { productTarget } from './policy-target.js';

const statementOut = z.object({
  origin: z.object({ scope: z.string(), scopeId: z.string() }),
  statement: z.record(z.string(), z.unknown()),
});

/** What runs for one operation (through one product): every scope's document merged, each statement with its origin. */
export const effectivePolicy = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'policy', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/effective-policy',
      tags: ['policies'],
      summary: 'The merged policy of an operation',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      operationId: entityId('op', 'operation'),
      productId: entityId('prd', 'product').optional().meta({ description: 'The product the call comes through, if any' }),
    }),
  )
  .output(
    z.object(
      Object.fromEntries(POLICY_SECTIONS.map((s) => [s, z.array(statementOut)])) as Record<
        (typeof POLICY_SECTIONS)[number],
        z.ZodArray<typeof statementOut>
      >,
    ),
  )
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { tenantId } = ctx.actor;
    const api = await findApi(db, tenantId, ctx.workspace.id, input.apiId);
    const [operation] = await db
      .select({ id: operations.id })
      .from(operations)
      .where(and(eq(operations.id, input.operationId), eq(operations.apiId, api.id), eq(operations.tenantId, tenantId)));
    if (!operation) throw notFound('Operation');
    const chain: { scope: PolicyScope; scopeId: string }[] = [
      { scope: 'global', scopeId: tenantId },
      { scope: 'workspace', scopeId: ctx.workspace.id },
      ...(input.productId ? [await productTarget(db, tenantId, ctx.workspace.id, input.productId)] : []),
      { scope: 'api', scopeId: api.id },
      { scope: 'operation', scopeId: operation.id },
    ];
    const rows = await db
      .select()
      .from(policyDocuments)
      .where(
        and(
          eq(policyDocuments.tenantId, tenantId),
          inArray(
            policyDocuments.scopeId,
            chain.map((c) => c.scopeId),
          ),
        ),
      );
    return mergePolicyScopes(
      chain.map((c) => ({ ...c, document: rows.find((r) => r.scope === c.scope && r.scopeId === c.scopeId)?.document ?? null })),
    );
  });
