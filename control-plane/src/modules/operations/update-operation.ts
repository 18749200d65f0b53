import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { operations } from '../../db/schema/index.js';
import { versionMismatch } from '../../errors.js';
import { entityId, versionInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import {
  assertRouteFree,
  findOperation,
  normalizeParameters,
  operationBodyInput,
  operationOut,
  operationSchema,
} from './operation-fields.js';

export const updateOperation = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/workspaces/{workspaceId}/apis/{apiId}/operations/{operationId}',
      tags: ['operations'],
      summary: 'Change an operation',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      operationId: entityId('op', 'operation'),
      version: versionInput,
      name: operationBodyInput.name.optional(),
      method: operationBodyInput.method.optional(),
      urlTemplate: operationBodyInput.urlTemplate.optional(),
      description: operationBodyInput.description.optional(),
      parameters: operationBodyInput.parameters.optional(),
      request: operationBodyInput.request.optional(),
      responses: operationBodyInput.responses.optional(),
      tags: operationBodyInput.tags.optional(),
    }),
  )
  .output(operationSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const api = await findApi(tx, tenantId, ctx.workspace.id, input.apiId);
      const before = await findOperation(tx, tenantId, api.id, input.operationId);
      const { workspaceId: _w, apiId: _a, operationId, version, ...changes } = input;
      const method = changes.method ?? before.method;
      const urlTemplate = changes.urlTemplate ?? before.urlTemplate;
      const { parameters, shape } = normalizeParameters(urlTemplate, changes.parameters ?? before.parameters);
      await assertRouteFree(tx, api.id, method, shape, changes.name ?? before.name, operationId);
      const [after] = await tx
        .update(operations)
        .set({ ...changes, parameters, version: sql`${operations.version} + 1`, updatedAt: new Date() })
        .where(and(eq(operations.id, operationId), eq(operations.tenantId, tenantId), eq(operations.version, version)))
        .returning();
      if (!after) throw versionMismatch(before.version);
      await recordConfigChange(tx, tenantId, [{ entityType: 'operation', entityId: operationId, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'operation.update',
        targetType: 'operation',
        targetId: operationId,
        diff: diffOf(before, {
          name: changes.name,
          method: changes.method,
          urlTemplate: changes.urlTemplate,
          description: changes.description,
        }),
      });
      return operationOut(after);
    }),
  );
