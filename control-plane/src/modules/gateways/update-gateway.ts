import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { gateways } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { versionMismatch } from '../../errors.js';
import { entityId, versionInput } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { assertNameFree, findGateway, gatewayFields, gatewayOut, gatewaySchema, nameTaken } from './gateway-out.js';

export const updateGateway = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/gateways/{gatewayId}',
      tags: ['gateways'],
      summary: 'Rename, describe or relocate a gateway',
    },
  })
  .input(
    z.strictObject({
      gatewayId: entityId('gw', 'gateway'),
      version: versionInput,
      name: gatewayFields.name.optional(),
      description: gatewayFields.description.optional(),
      location: gatewayFields.location.optional(),
    }),
  )
  .output(gatewaySchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const before = await findGateway(tx, tenantId, input.gatewayId);
      if (input.name !== undefined) await assertNameFree(tx, tenantId, input.name, before.id);
      const changes = { name: input.name, description: input.description, location: input.location };
      const [after] = await tx
        .update(gateways)
        .set({ ...changes, version: sql`${gateways.version} + 1`, updatedAt: new Date() })
        .where(and(eq(gateways.id, before.id), eq(gateways.tenantId, tenantId), eq(gateways.version, input.version)))
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name ?? before.name) : error;
        });
      if (!after) {
        throw versionMismatch(before.version);
      }
      await recordConfigChange(tx, tenantId, [{ entityType: 'gateway', entityId: after.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'gateway.update',
        targetType: 'gateway',
        targetId: after.id,
        diff: diffOf(before, changes),
      });
      return gatewayOut(after);
    }),
  );
