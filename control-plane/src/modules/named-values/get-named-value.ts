import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findNamedValue, namedValueOut, namedValueSchema } from './named-value-fields.js';

export const getNamedValue = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'named-value', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/named-values/{namedValueId}',
      tags: ['named values'],
      summary: 'One named value (secrets without their value)',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), namedValueId: entityId('nv', 'named value') }))
  .output(namedValueSchema)
  .query(async ({ ctx, input }) =>
    namedValueOut(await findNamedValue(ctx.deps.db, ctx.actor.tenantId, ctx.workspace.id, input.namedValueId)),
  );
