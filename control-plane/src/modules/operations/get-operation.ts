import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';
import { findOperation, operationOut, operationSchema } from './operation-fields.js';

export const getOperation = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/apis/{apiId}/operations/{operationId}',
      tags: ['operations'],
      summary: 'One operation',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      operationId: entityId('op', 'operation'),
    }),
  )
  .output(operationSchema)
  .query(async ({ ctx, input }) => {
    const api = await findApi(ctx.deps.db, ctx.actor.tenantId, ctx.workspace.id, input.apiId);
    return operationOut(await findOperation(ctx.deps.db, ctx.actor.tenantId, api.id, input.operationId));
  });
