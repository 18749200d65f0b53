import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apis, backends } from '../../db/schema/index.js';
import { pgErrorCode } from '../../db/errors.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { okOut } from '../schemas.js';
import { findBackend } from './backend-out.js';

/** How many of the APIs in the way the refusal names; the count is always exact. */
const NAMED_APIS = 10;

function inUse(used: { id: string; name: string }[], total: number) {
  const names = used.map((api) => `"${api.name}" (${api.id})`).join(', ');
  const more = total > used.length ? ` and ${total - used.length} more` : '';
  return new PorticoError('CP_ERR_CONFLICT', {
    message: `The backend is used by ${total === 1 ? 'the API' : `${total} APIs`} ${names}${more}; point them at another backend first`,
    fields: { backendId: used.map((api) => `Used by the API "${api.name}" (${api.id})`) },
  });
}

/** Refused while an API points at the backend: the gateway would have nowhere to send its requests. */
export const deleteBackend = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'backend', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/backends/{backendId}',
      tags: ['backends'],
      summary: 'Delete a backend no API uses',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), backendId: entityId('be', 'backend') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const backend = await findBackend(tx, tenantId, ctx.workspace.id, input.backendId);
      const using = and(eq(apis.tenantId, tenantId), eq(apis.backendId, backend.id));
      const used = await tx
        .select({ id: apis.id, name: apis.name })
        .from(apis)
        .where(using)
        .orderBy(asc(apis.name), asc(apis.id))
        .limit(NAMED_APIS);
      if (used.length > 0) {
        const total = used.length < NAMED_APIS ? used.length : await tx.$count(apis, using);
        throw inUse(used, total);
      }
      await tx
        .delete(backends)
        .where(and(eq(backends.id, backend.id), eq(backends.tenantId, tenantId)))
        .catch((error: unknown) => {
          // An API pointed at it since the check above (the foreign key is `no action`).
          if (pgErrorCode(error) === '23503') {
            throw new PorticoError('CP_ERR_CONFLICT', { message: 'The backend was just put to use by an API; try again' });
          }
          throw error;
        });
      await recordConfigChange(tx, tenantId, [{ entityType: 'backend', entityId: backend.id, op: 'delete' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: backend.workspaceId,
        action: 'backend.delete',
        targetType: 'backend',
        targetId: backend.id,
        diff: { name: [backend.name, null] },
      });
      return { ok: true as const };
    }),
  );
