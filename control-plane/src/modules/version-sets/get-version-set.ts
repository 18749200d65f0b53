import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findVersionSet, versionSetOut, versionSetSchema } from './version-set-fields.js';

export const getVersionSet = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/version-sets/{versionSetId}',
      tags: ['version-sets'],
      summary: 'One version set',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), versionSetId: entityId('avs', 'version set') }))
  .output(versionSetSchema)
  .query(async ({ ctx, input }) =>
    versionSetOut(await findVersionSet(ctx.deps.db, ctx.actor.tenantId, ctx.workspace.id, input.versionSetId)),
  );
