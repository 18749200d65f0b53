import { z } from 'zod';
import { API_TYPES, apis } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { invalidField } from '../../errors.js';
import { entityId, nameInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { findVersionSet } from '../version-sets/version-set-fields.js';
import {
  apiPathInput,
  apiVersionInput,
  assertBackendInWorkspace,
  assertPathFree,
  headerNameInput,
  hostnamesInput,
  protocolsInput,
  queryNameInput,
} from './api-fields.js';
import { apiOut, apiSchema } from './api-out.js';

export const apiSettingsInput = {
  name: nameInput('name'),
  description: z.string().max(10_000),
  path: apiPathInput,
  backendId: entityId('be', 'backend').nullable(),
  subscriptionRequired: z.boolean(),
  subscriptionKeyHeaderName: headerNameInput,
  subscriptionKeyQueryName: queryNameInput,
  protocols: protocolsInput.meta({ example: ['https'] }),
  hostnames: hostnamesInput,
};

export const createApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'create' },
    openapi: { method: 'POST', path: '/workspaces/{workspaceId}/apis', tags: ['apis'], summary: 'Create an API by hand' },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      type: z.enum(API_TYPES).default('http').meta({ example: 'http' }),
      name: apiSettingsInput.name,
      path: apiSettingsInput.path,
      description: apiSettingsInput.description.default(''),
      backendId: apiSettingsInput.backendId.optional(),
      subscriptionRequired: apiSettingsInput.subscriptionRequired.default(true),
      subscriptionKeyHeaderName: apiSettingsInput.subscriptionKeyHeaderName.default('Ocp-Apim-Subscription-Key'),
      subscriptionKeyQueryName: apiSettingsInput.subscriptionKeyQueryName.default('subscription-key'),
      protocols: apiSettingsInput.protocols
        .optional()
        .meta({ description: 'Defaults to ["https"], or ["wss"] for websocket APIs' }),
      hostnames: apiSettingsInput.hostnames.default([]),
      versionSetId: entityId('avs', 'version set')
        .optional()
        .meta({ description: 'Makes the API one version of this set (of the same workspace); give apiVersion too' }),
      apiVersion: apiVersionInput.optional(),
    }),
  )
  .output(apiSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      if (input.versionSetId !== undefined && input.apiVersion === undefined)
        throw invalidField('apiVersion', 'Required with versionSetId: the version this API is in its set');
      if (input.apiVersion !== undefined && input.versionSetId === undefined)
        throw invalidField('versionSetId', 'Required with apiVersion: the version set the version belongs to');
      // Under the segment scheme the gateway serves this API at `/<path>/<apiVersion>/…`; under
      // header or query it serves `/<path>/…` and picks the version from the set's header or
      // query parameter. Either way one path belongs to one set (see assertPathFree).
      const versionSet = input.versionSetId ? await findVersionSet(tx, tenantId, ctx.workspace.id, input.versionSetId) : null;
      const apiVersion = input.apiVersion ?? '';
      await assertPathFree(tx, tenantId, input.path, apiVersion, undefined, versionSet?.id ?? null);
      if (input.backendId) await assertBackendInWorkspace(tx, tenantId, ctx.workspace.id, input.backendId);
      const [row] = await tx
        .insert(apis)
        .values({
          id: newId('api'),
          tenantId,
          workspaceId: ctx.workspace.id,
          name: input.name,
          description: input.description,
          path: input.path,
          type: input.type,
          backendId: input.backendId ?? null,
          subscriptionRequired: input.subscriptionRequired,
          subscriptionKeyHeaderName: input.subscriptionKeyHeaderName,
          subscriptionKeyQueryName: input.subscriptionKeyQueryName,
          protocols: input.protocols ?? (input.type === 'websocket' ? ['wss'] : ['https']),
          hostnames: input.hostnames,
          versionSetId: versionSet?.id ?? null,
          apiVersion,
        })
        .returning();
      const api = row!;
      await recordConfigChange(tx, tenantId, [{ entityType: 'api', entityId: api.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'api.create',
        targetType: 'api',
        targetId: api.id,
        diff: createdDiff({
          name: api.name,
          path: api.path,
          type: api.type,
          backendId: api.backendId,
          ...(api.hostnames.length > 0 ? { hostnames: api.hostnames } : {}),
          ...(versionSet ? { versionSetId: api.versionSetId, apiVersion: api.apiVersion } : {}),
        }),
      });
      return apiOut(api);
    }),
  );
