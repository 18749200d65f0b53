import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from './api-fields.js';
import { apiOut, apiSchema } from './api-out.js';

export const getApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: { method: 'GET', path: '/workspaces/{workspaceId}/apis/{apiId}', tags: ['apis'], summary: 'One API' },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), apiId: entityId('api', 'API') }))
  .output(apiSchema)
  .query(async ({ ctx, input }) => apiOut(await findApi(ctx.deps.db, ctx.actor.tenantId, ctx.workspace.id, input.apiId)));
