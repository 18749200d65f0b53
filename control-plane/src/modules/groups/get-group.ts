import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { findGroup, groupOut, groupSchema } from './group-out.js';

export const getGroup = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'group', action: 'read' },
    openapi: { method: 'GET', path: '/groups/{groupId}', tags: ['groups'], summary: 'One group' },
  })
  .input(z.strictObject({ groupId: entityId('grp', 'group') }))
  .output(groupSchema)
  .query(async ({ ctx, input }) => groupOut(await findGroup(ctx.deps.db, ctx.actor.tenantId, input.groupId)));
