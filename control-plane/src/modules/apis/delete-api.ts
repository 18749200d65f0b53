import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apis, gatewayApis, operations, productApis, subscriptions } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange, type ConfigChange } from '../config/record-config-change.js';
import { gatewayApiKey } from '../gateways/gateway-apis.js';
import { deleteAttachedPolicyDocuments } from '../policies/policy-store.js';
import { okOut } from '../schemas.js';
import { cancelSubscriptions, lockLiveSubscriptions } from '../subscriptions/live-subscriptions.js';
import { findApi } from './api-fields.js';

/**
 * Its operations, product links, gateway assignments and revisions go by foreign key; policy
 * documents and subscriptions point at it polymorphically (no foreign key), so they are handled
 * here in the same transaction: the API's and its operations' documents are deleted, and live
 * subscriptions scoped to the API are cancelled (each with its own audit row), kept as history.
 */
export const deleteApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/apis/{apiId}',
      tags: ['apis'],
      summary: 'Delete an API, its operations and policies (cancelling its subscriptions)',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), apiId: entityId('api', 'API') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const api = await findApi(tx, tenantId, ctx.workspace.id, input.apiId);
      const live = await lockLiveSubscriptions(
        tx,
        tenantId,
        and(eq(subscriptions.scopeKind, 'api'), eq(subscriptions.scopeId, api.id)),
      );
      await cancelSubscriptions(tx, ctx, live, 'The API was deleted');
      const removed = await tx
        .delete(operations)
        .where(and(eq(operations.tenantId, tenantId), eq(operations.apiId, api.id)))
        .returning({ id: operations.id });
      // Named before the cascade removes them, so the gateways learn which links went.
      const links = await tx
        .select({ id: productApis.id })
        .from(productApis)
        .where(and(eq(productApis.tenantId, tenantId), eq(productApis.apiId, api.id)));
      const assignments = await tx
        .select({ gatewayId: gatewayApis.gatewayId })
        .from(gatewayApis)
        .where(and(eq(gatewayApis.tenantId, tenantId), eq(gatewayApis.apiId, api.id)));
      await tx.delete(apis).where(and(eq(apis.id, api.id), eq(apis.tenantId, tenantId)));
      const deleted = (entityType: ConfigChange['entityType'], entityId: string): ConfigChange => ({
        entityType,
        entityId,
        op: 'delete',
      });
      await recordConfigChange(tx, tenantId, [
        deleted('api', api.id),
        ...removed.map((o) => deleted('operation', o.id)),
        ...links.map((l) => deleted('product_api', l.id)),
        ...assignments.map((a) => deleted('gateway_api', gatewayApiKey(a.gatewayId, api.id))),
      ]);
      const policies = await deleteAttachedPolicyDocuments(tx, ctx, tenantId, api.workspaceId, [
        { scope: 'api', scopeId: api.id },
        ...removed.map((o) => ({ scope: 'operation' as const, scopeId: o.id })),
      ]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'api.delete',
        targetType: 'api',
        targetId: api.id,
        diff: {
          name: [api.name, null],
          path: [api.path, null],
          operations: [removed.length, null],
          policies: [policies, null],
          cancelledSubscriptions: [null, live.length],
        },
      });
      return { ok: true as const };
    }),
  );
