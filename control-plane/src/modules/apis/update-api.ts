import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { apis } from '../../db/schema/index.js';
import { invalidField, versionMismatch } from '../../errors.js';
import { entityId, versionInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { apiVersionInput, assertBackendInWorkspace, assertPathFree, findApi } from './api-fields.js';
import { apiOut, apiSchema } from './api-out.js';
import { apiSettingsInput } from './create-api.js';

export const updateApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/workspaces/{workspaceId}/apis/{apiId}',
      tags: ['apis'],
      summary: "Change an API's settings",
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      version: versionInput,
      name: apiSettingsInput.name.optional(),
      description: apiSettingsInput.description.optional(),
      path: apiSettingsInput.path.optional(),
      backendId: apiSettingsInput.backendId.optional(),
      subscriptionRequired: apiSettingsInput.subscriptionRequired.optional(),
      subscriptionKeyHeaderName: apiSettingsInput.subscriptionKeyHeaderName.optional(),
      subscriptionKeyQueryName: apiSettingsInput.subscriptionKeyQueryName.optional(),
      protocols: apiSettingsInput.protocols.optional(),
      hostnames: apiSettingsInput.hostnames.optional(),
      apiVersion: apiVersionInput
        .optional()
        .meta({ description: "The API's version within its version set (only for an API in a set)" }),
    }),
  )
  .output(apiSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const { workspaceId: _w, apiId, version, ...changes } = input;
      const before = await findApi(tx, tenantId, ctx.workspace.id, apiId);
      if (changes.apiVersion !== undefined && before.versionSetId === null)
        throw invalidField('apiVersion', 'The API belongs to no version set, so it has no version');
      const path = changes.path ?? before.path;
      const apiVersion = changes.apiVersion ?? before.apiVersion;
      if (path !== before.path || apiVersion !== before.apiVersion)
        await assertPathFree(tx, tenantId, path, apiVersion, apiId, before.versionSetId);
      if (changes.backendId) await assertBackendInWorkspace(tx, tenantId, ctx.workspace.id, changes.backendId);
      const [after] = await tx
        .update(apis)
        .set({ ...changes, version: sql`${apis.version} + 1`, updatedAt: new Date() })
        .where(and(eq(apis.id, apiId), eq(apis.tenantId, tenantId), eq(apis.version, version)))
        .returning();
      if (!after) throw versionMismatch(before.version);
      await recordConfigChange(tx, tenantId, [{ entityType: 'api', entityId: apiId, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: after.workspaceId,
        action: 'api.update',
        targetType: 'api',
        targetId: apiId,
        diff: diffOf(before, changes),
      });
      return apiOut(after);
    }),
  );
