import { z } from 'zod';
import { gateways } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { newId } from '../../lib/ids.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { assertNameFree, gatewayFields, gatewayOut, gatewaySchema, nameTaken } from './gateway-out.js';

export const createGateway = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/gateways',
      tags: ['gateways'],
      summary: 'Create a gateway (a fleet of instances in one place)',
    },
  })
  .input(
    z.strictObject({
      name: gatewayFields.name,
      description: gatewayFields.description.default(''),
      location: gatewayFields.location.default(''),
    }),
  )
  .output(gatewaySchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      await assertNameFree(tx, tenantId, input.name);
      const [row] = await tx
        .insert(gateways)
        .values({ id: newId('gw'), tenantId, name: input.name, description: input.description, location: input.location })
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name) : error;
        });
      const gateway = row!;
      await recordConfigChange(tx, tenantId, [{ entityType: 'gateway', entityId: gateway.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'gateway.create',
        targetType: 'gateway',
        targetId: gateway.id,
        diff: createdDiff({ name: gateway.name, description: gateway.description, location: gateway.location }),
      });
      return gatewayOut(gateway);
    }),
  );
