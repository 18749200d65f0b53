import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { backendOut, backendSchema, findBackend } from './backend-out.js';

export const getBackend = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'backend', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/backends/{backendId}',
      tags: ['backends'],
      summary: 'One backend (credential values masked)',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), backendId: entityId('be', 'backend') }))
  .output(backendSchema)
  .query(async ({ ctx, input }) =>
    backendOut(await findBackend(ctx.deps.db, ctx.actor.tenantId, ctx.workspace.id, input.backendId)),
  );
