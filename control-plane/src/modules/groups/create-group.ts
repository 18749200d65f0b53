import { z } from 'zod';
import { groups } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { newId } from '../../lib/ids.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { assertNameFree, groupFields, groupOut, groupSchema, nameTaken } from './group-out.js';

/** Groups only decide what the portal shows, so no config change: gateways never see them. */
export const createGroup = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'group', action: 'create' },
    openapi: { method: 'POST', path: '/groups', tags: ['groups'], summary: 'Create a custom group' },
  })
  .input(z.strictObject({ name: groupFields.name, description: groupFields.description.default('') }))
  .output(groupSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      await assertNameFree(tx, tenantId, input.name);
      const [row] = await tx
        .insert(groups)
        .values({ id: newId('grp'), tenantId, name: input.name, description: input.description })
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name) : error;
        });
      const group = row!;
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'group.create',
        targetType: 'group',
        targetId: group.id,
        diff: createdDiff({ name: group.name, description: group.description }),
      });
      return groupOut(group);
    }),
  );
