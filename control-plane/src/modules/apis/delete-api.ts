import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apis, operations } from '../../db/schema/index.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { okOut } from '../schemas.js';
import { findApi } from './api-fields.js';

export const deleteApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/apis/{apiId}',
      tags: ['apis'],
      summary: 'Delete an API and its operations',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), apiId: entityId('api', 'API') }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const api = await findApi(tx, tenantId, ctx.workspace.id, input.apiId);
      const removed = await tx.delete(operations).where(eq(operations.apiId, api.id)).returning({ id: operations.id });
      await tx.delete(apis).where(and(eq(apis.id, api.id), eq(apis.tenantId, tenantId)));
      await recordConfigChange(tx, tenantId, [
        { entityType: 'api', entityId: api.id, op: 'delete' },
        ...removed.map((o) => ({ entityType: 'operation' as const, entityId: o.id, op: 'delete' as const })),
      ]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'api.delete',
        targetType: 'api',
        targetId: api.id,
        diff: { name: [api.name, null], path: [api.path, null], operations: [removed.length, null] },
      });
      return { ok: true as const };
    }),
  );
