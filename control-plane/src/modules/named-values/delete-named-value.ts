import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { namedValues } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { okOut } from '../schemas.js';
import { findNamedValue, referencesTo } from './named-value-fields.js';

/** Refused while a policy uses it: a gateway could not resolve `{{name}}` any more. */
export const deleteNamedValue = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'named-value', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/named-values/{namedValueId}',
      tags: ['named values'],
      summary: 'Delete an unused named value',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), namedValueId: entityId('nv', 'named value') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const row = await findNamedValue(tx, tenantId, ctx.workspace.id, input.namedValueId);
      const references = await referencesTo(tx, tenantId, ctx.workspace.id, row.name);
      if (references.length > 0) {
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: `"${row.name}" is used by ${references.join(', ')}; remove those references first`,
          issues: references.map((where) => ({ pointer: where, message: `uses {{${row.name}}}` })),
        });
      }
      await tx.delete(namedValues).where(and(eq(namedValues.id, row.id), eq(namedValues.tenantId, tenantId)));
      await recordConfigChange(tx, tenantId, [{ entityType: 'named_value', entityId: row.id, op: 'delete' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: ctx.workspace.id,
        action: 'named_value.delete',
        targetType: 'named_value',
        targetId: row.id,
        diff: { name: [row.name, null] },
      });
      return { ok: true as const };
    }),
  );
