import { z } from 'zod';
import { API_TYPES, apis } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { entityId, nameInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import {
  apiPathInput,
  assertBackendInWorkspace,
  assertPathFree,
  headerNameInput,
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
  protocols: protocolsInput,
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
    }),
  )
  .output(apiSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      await assertPathFree(tx, tenantId, input.path, '');
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
        diff: createdDiff({ name: api.name, path: api.path, type: api.type, backendId: api.backendId }),
      });
      return apiOut(api);
    }),
  );
