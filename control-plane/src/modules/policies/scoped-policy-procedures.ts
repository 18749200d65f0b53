import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { POLICY_FORMATS, type PolicyScope } from '../../db/schema/index.js';
import { entityId, versionInput } from '../../lib/validation.js';
import { router, workspaceProcedure } from '../../trpc/procedures.js';
import { okOut } from '../schemas.js';
import { deletePolicyDocument, findPolicyDocument, policyDocumentOut, savePolicyDocument } from './policy-store.js';
import { apiTarget, operationTarget, policyDocumentSchema, productTarget, type PolicyTarget } from './policy-target.js';

export const policySourceInput = {
  format: z.enum(POLICY_FORMATS).default('yaml').meta({ example: 'yaml' }),
  source: z
    .string()
    .min(1)
    .max(1024 * 1024)
    .meta({ description: 'The document as JSON or YAML', example: 'inbound:\n  - base: {}\n' }),
  version: versionInput.optional().meta({ description: 'The version read, to replace an existing document' }),
};

const workspaceId = entityId('ws', 'workspace');
const apiId = entityId('api', 'API');

/**
 * The four workspace scopes differ only in how the target is named and found, so their
 * get/set/delete procedures are made here once. Each is an ordinary procedure with its own
 * permission, REST path and required ids.
 */
const SCOPES = {
  workspace: {
    path: '/workspaces/{workspaceId}/policy',
    ids: { workspaceId },
    target: (_tx: Db, _tenantId: string, input: { workspaceId: string }): Promise<PolicyTarget> =>
      Promise.resolve({ scope: 'workspace', scopeId: input.workspaceId }),
  },
  product: {
    path: '/workspaces/{workspaceId}/products/{productId}/policy',
    ids: { workspaceId, productId: entityId('prd', 'product') },
    target: (tx: Db, tenantId: string, input: { workspaceId: string; productId: string }) =>
      productTarget(tx, tenantId, input.workspaceId, input.productId),
  },
  api: {
    path: '/workspaces/{workspaceId}/apis/{apiId}/policy',
    ids: { workspaceId, apiId },
    target: (tx: Db, tenantId: string, input: { workspaceId: string; apiId: string }) =>
      apiTarget(tx, tenantId, input.workspaceId, input.apiId),
  },
  operation: {
    path: '/workspaces/{workspaceId}/apis/{apiId}/operations/{operationId}/policy',
    ids: { workspaceId, apiId, operationId: entityId('op', 'operation') },
    target: (tx: Db, tenantId: string, input: { workspaceId: string; apiId: string; operationId: string }) =>
      operationTarget(tx, tenantId, input.workspaceId, input.apiId, input.operationId),
  },
} as const;

type WorkspaceScope = keyof typeof SCOPES & PolicyScope;

function scopedPolicyRouter<S extends WorkspaceScope>(scope: S) {
  const { path, ids, target } = SCOPES[scope];
  const idsInput = z.strictObject(ids);
  const resolve = target as (tx: Db, tenantId: string, input: z.infer<typeof idsInput>) => Promise<PolicyTarget>;
  const tags = ['policies'];
  return router({
    get: workspaceProcedure
      .meta({
        permission: { scope: 'workspace', object: 'policy', action: 'read' },
        openapi: { method: 'GET', path, tags, summary: `The ${scope}'s policy document (null when it has none and inherits)` },
      })
      .input(idsInput)
      .output(policyDocumentSchema.nullable())
      .query(async ({ ctx, input }) => {
        const row = await findPolicyDocument(
          ctx.deps.db,
          ctx.actor.tenantId,
          await resolve(ctx.deps.db, ctx.actor.tenantId, input),
        );
        return row ? policyDocumentOut(row) : null;
      }),
    set: workspaceProcedure
      .meta({
        permission: { scope: 'workspace', object: 'policy', action: 'update' },
        openapi: {
          method: 'PUT',
          path,
          tags,
          summary: `Create or replace the ${scope}'s policy document (validated against the policy catalogue)`,
        },
      })
      .input(idsInput.extend(policySourceInput))
      .output(policyDocumentSchema)
      .mutation(({ ctx, input }) =>
        ctx.deps.db.transaction(async (tx) => {
          const row = await savePolicyDocument(tx, ctx, {
            tenantId: ctx.actor.tenantId,
            workspaceId: ctx.workspace.id,
            namedValueWorkspaceId: ctx.workspace.id,
            target: await resolve(tx, ctx.actor.tenantId, input),
            format: input.format,
            source: input.source,
            version: input.version,
          });
          return policyDocumentOut(row);
        }),
      ),
    delete: workspaceProcedure
      .meta({
        permission: { scope: 'workspace', object: 'policy', action: 'delete' },
        openapi: { method: 'DELETE', path, tags, summary: `Remove the ${scope}'s policy document (it then inherits)` },
      })
      .input(idsInput)
      .output(okOut)
      .mutation(({ ctx, input }) =>
        ctx.deps.db.transaction(async (tx) => {
          await deletePolicyDocument(tx, ctx, ctx.actor.tenantId, ctx.workspace.id, await resolve(tx, ctx.actor.tenantId, input));
          return { ok: true as const };
        }),
      ),
  });
}

export const workspacePolicyRouter = scopedPolicyRouter('workspace');
export const productPolicyRouter = scopedPolicyRouter('product');
export const apiPolicyRouter = scopedPolicyRouter('api');
export const operationPolicyRouter = scopedPolicyRouter('operation');
