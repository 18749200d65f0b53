import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiVersionSets, apis } from '../../db/schema/index.js';
import { pgErrorCode } from '../../db/errors.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { okOut } from '../schemas.js';
import { findVersionSet } from './version-set-fields.js';

/** How many of the APIs in the way the refusal names; the count is always exact. */
const NAMED_APIS = 10;

function inUse(used: { id: string; name: string; apiVersion: string }[], total: number) {
  const names = used.map((api) => `"${api.name}" ${api.apiVersion} (${api.id})`).join(', ');
  const more = total > used.length ? ` and ${total - used.length} more` : '';
  return new PorticoError('CP_ERR_CONFLICT', {
    message: `The version set is used by ${total === 1 ? 'the API' : `${total} APIs`} ${names}${more}; delete them first`,
    fields: { versionSetId: used.map((api) => `Used by the API "${api.name}" ${api.apiVersion} (${api.id})`) },
  });
}

/** Refused while APIs belong to the set: their versions would lose the scheme that routes them. */
export const deleteVersionSet = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/version-sets/{versionSetId}',
      tags: ['version-sets'],
      summary: 'Delete a version set no API belongs to',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), versionSetId: entityId('avs', 'version set') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const set = await findVersionSet(tx, tenantId, ctx.workspace.id, input.versionSetId);
      const using = and(eq(apis.tenantId, tenantId), eq(apis.versionSetId, set.id));
      const used = await tx
        .select({ id: apis.id, name: apis.name, apiVersion: apis.apiVersion })
        .from(apis)
        .where(using)
        .orderBy(asc(apis.apiVersion), asc(apis.id))
        .limit(NAMED_APIS);
      if (used.length > 0) {
        const total = used.length < NAMED_APIS ? used.length : await tx.$count(apis, using);
        throw inUse(used, total);
      }
      await tx
        .delete(apiVersionSets)
        .where(and(eq(apiVersionSets.id, set.id), eq(apiVersionSets.tenantId, tenantId)))
        .catch((error: unknown) => {
          // An API joined the set since the check above (the foreign key is `no action`).
          if (pgErrorCode(error) === '23503') {
            throw new PorticoError('CP_ERR_CONFLICT', { message: 'An API was just added to the version set; try again' });
          }
          throw error;
        });
      await recordConfigChange(tx, tenantId, [{ entityType: 'api_version_set', entityId: set.id, op: 'delete' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: set.workspaceId,
        action: 'version_set.delete',
        targetType: 'api_version_set',
        targetId: set.id,
        diff: { name: [set.name, null], versioningScheme: [set.versioningScheme, null] },
      });
      return { ok: true as const };
    }),
  );
