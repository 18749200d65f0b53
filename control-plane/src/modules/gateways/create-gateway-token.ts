import { z } from 'zod';
import { gatewayTokens } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { hashToken, newSecretToken } from '../../lib/secrets.js';
import { entityId, nameInput } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { findGateway } from './gateway-out.js';
import { gatewayTokenOut, gatewayTokenSchema } from './gateway-token-out.js';

/** Secrets start `gwk_` (gateway key), so they are never mistaken for a token's id (`gwt_…`). */
export const GATEWAY_TOKEN_PREFIX = 'gwk';

/** An access token for the gateway's agents. Returned once; only its SHA-256 is kept. It always expires. */
export const createGatewayToken = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'update' },
    openapi: {
      method: 'POST',
      path: '/gateways/{gatewayId}/tokens',
      tags: ['gateways'],
      summary: "Create an access token for a gateway's agents (shown once)",
    },
  })
  .input(
    z.strictObject({
      gatewayId: entityId('gw', 'gateway'),
      name: nameInput('name'),
      expiresInDays: z
        .number()
        .int()
        .min(1)
        .max(365)
        .meta({ description: 'Required: gateway tokens always expire; create the next one before then' }),
    }),
  )
  .output(
    gatewayTokenSchema.extend({
      token: z.string().meta({ description: "Give it to the gateway's agents. Shown only now." }),
    }),
  )
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId, userId } = ctx.actor;
      const gateway = await findGateway(tx, tenantId, input.gatewayId);
      const token = newSecretToken(GATEWAY_TOKEN_PREFIX);
      const [row] = await tx
        .insert(gatewayTokens)
        .values({
          id: newId('gwt'),
          tenantId,
          gatewayId: gateway.id,
          name: input.name,
          tokenHash: hashToken(token),
          prefix: token.slice(0, 10),
          createdBy: userId,
          expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
        })
        .returning();
      const created = row!;
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'gateway.token.create',
        targetType: 'gateway-token',
        targetId: created.id,
        diff: createdDiff({ gatewayId: gateway.id, name: created.name, expiresAt: created.expiresAt.toISOString() }),
      });
      return { ...gatewayTokenOut(created), token };
    }),
  );
