import { z } from 'zod';
import { operations } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { assertRouteFree, normalizeParameters, operationBodyInput, operationOut, operationSchema } from './operation-fields.js';

export const createOperation = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/apis/{apiId}/operations',
      tags: ['operations'],
      summary: 'Add an operation to an API',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      name: operationBodyInput.name,
      method: operationBodyInput.method,
      urlTemplate: operationBodyInput.urlTemplate,
      description: operationBodyInput.description.default(''),
      parameters: operationBodyInput.parameters.default([]),
      request: operationBodyInput.request.default(null),
      responses: operationBodyInput.responses.default([]),
      tags: operationBodyInput.tags.default([]),
    }),
  )
  .output(operationSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const api = await findApi(tx, tenantId, ctx.workspace.id, input.apiId);
      const { parameters, shape } = normalizeParameters(input.urlTemplate, input.parameters);
      await assertRouteFree(tx, api.id, input.method, shape, input.name);
      const [row] = await tx
        .insert(operations)
        .values({
          id: newId('op'),
          tenantId,
          workspaceId: api.workspaceId,
          apiId: api.id,
          name: input.name,
          description: input.description,
          method: input.method,
          urlTemplate: input.urlTemplate,
          parameters,
          request: input.request,
          responses: input.responses,
          tags: input.tags,
        })
        .returning();
      const operation = row!;
      await recordConfigChange(tx, tenantId, [{ entityType: 'operation', entityId: operation.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'operation.create',
        targetType: 'operation',
        targetId: operation.id,
        diff: createdDiff({ apiId: api.id, name: operation.name, method: operation.method, urlTemplate: operation.urlTemplate }),
      });
      return operationOut(operation);
    }),
  );
