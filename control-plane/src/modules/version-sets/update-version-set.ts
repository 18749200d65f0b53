import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { apiVersionSets } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { versionMismatch } from '../../errors.js';
import { entityId, nameInput, versionInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import {
  assertNameFree,
  findVersionSet,
  nameTaken,
  schemeError,
  schemeIssues,
  versionSetInput,
  versionSetOut,
  versionSetSchema,
  versionSetSettings,
} from './version-set-fields.js';

/**
 * Changes the fields given. Switching the scheme drops the other scheme's name, and the new
 * scheme's name must be given unless the set already had it (header → header keeps its name).
 */
export const updateVersionSet = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/workspaces/{workspaceId}/version-sets/{versionSetId}',
      tags: ['version-sets'],
      summary: 'Change a version set',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      versionSetId: entityId('avs', 'version set'),
      version: versionInput,
      name: nameInput('name').optional(),
      description: versionSetInput.description.optional(),
      versioningScheme: versionSetInput.versioningScheme.optional(),
      versionHeaderName: versionSetInput.versionHeaderName.optional(),
      versionQueryName: versionSetInput.versionQueryName.optional(),
    }),
  )
  .output(versionSetSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const before = await findVersionSet(tx, tenantId, ctx.workspace.id, input.versionSetId);
      const scheme = input.versioningScheme ?? before.versioningScheme;
      const kept = scheme === before.versioningScheme;
      const headerName = input.versionHeaderName ?? (kept ? before.versionHeaderName : null);
      const queryName = input.versionQueryName ?? (kept ? before.versionQueryName : null);
      const issues = schemeIssues(scheme, headerName, queryName);
      if (issues.length > 0) throw schemeError(issues);
      if (input.name !== undefined) await assertNameFree(tx, tenantId, before.workspaceId, input.name, before.id);
      const [after] = await tx
        .update(apiVersionSets)
        .set({
          name: input.name,
          description: input.description,
          versioningScheme: scheme,
          versionHeaderName: headerName,
          versionQueryName: queryName,
          version: sql`${apiVersionSets.version} + 1`,
          updatedAt: new Date(),
        })
        .where(
          and(eq(apiVersionSets.id, before.id), eq(apiVersionSets.tenantId, tenantId), eq(apiVersionSets.version, input.version)),
        )
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name ?? before.name) : error;
        });
      if (!after) throw versionMismatch(before.version);
      await recordConfigChange(tx, tenantId, [{ entityType: 'api_version_set', entityId: after.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: after.workspaceId,
        action: 'version_set.update',
        targetType: 'api_version_set',
        targetId: after.id,
        diff: diffOf(versionSetSettings(before), versionSetSettings(after)),
      });
      return versionSetOut(after);
    }),
  );
