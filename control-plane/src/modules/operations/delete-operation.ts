import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { operations } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { deleteAttachedPolicyDocuments } from '../policies/policy-store.js';
import { okOut } from '../schemas.js';
import { findOperation } from './operation-fields.js';

/** Its policy document goes with it: `scope_id` is polymorphic, not a foreign key. */
export const deleteOperation = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/apis/{apiId}/operations/{operationId}',
      tags: ['operations'],
      summary: 'Remove an operation',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      operationId: entityId('op', 'operation'),
    }),
  )
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const api = await findApi(tx, tenantId, ctx.workspace.id, input.apiId);
      const operation = await findOperation(tx, tenantId, api.id, input.operationId);
      await tx.delete(operations).where(and(eq(operations.id, operation.id), eq(operations.tenantId, tenantId)));
      await recordConfigChange(tx, tenantId, [{ entityType: 'operation', entityId: operation.id, op: 'delete' }]);
      await deleteAttachedPolicyDocuments(tx, ctx, tenantId, api.workspaceId, [{ scope: 'operation', scopeId: operation.id }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'operation.delete',
        targetType: 'operation',
        targetId: operation.id,
        diff: { name: [operation.name, null], route: [`${operation.method} ${operation.urlTemplate}`, null] },
      });
      return { ok: true as const };
    }),
  );
