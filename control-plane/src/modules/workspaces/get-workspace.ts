import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { toWorkspaceOut, workspaceOut } from '../schemas.js';

export const getWorkspace = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'workspace', action: 'read' },
    openapi: { method: 'GET', path: '/workspaces/{workspaceId}', tags: ['workspaces'], summary: 'One workspace' },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace') }))
  .output(workspaceOut)
  // The permission middleware already loaded the workspace, scoped to the caller's tenant.
  .query(({ ctx }) => toWorkspaceOut(ctx.workspace));
