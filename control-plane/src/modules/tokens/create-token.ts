import { z } from 'zod';
import { personalAccessTokens } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { hashToken, newSecretToken } from '../../lib/secrets.js';
import { nameInput } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { tokenOut, tokenSchema } from './token-out.js';

export const createToken = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'token', action: 'manage' },
    openapi: { method: 'POST', path: '/tokens', tags: ['tokens'], summary: 'Create a personal access token (shown once)' },
  })
  .input(
    z.strictObject({
      name: nameInput('name'),
      expiresInDays: z
        .number()
        .int()
        .min(1)
        .max(365)
        .nullable()
        .default(90)
        .meta({ description: 'null for a token that never expires' }),
    }),
  )
  .output(
    tokenSchema.extend({ token: z.string().meta({ description: 'Use as "Authorization: Bearer <token>". Shown only now.' }) }),
  )
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId, userId } = ctx.actor;
      const token = newSecretToken('ptk');
      const [row] = await tx
        .insert(personalAccessTokens)
        .values({
          id: newId('pat'),
          tenantId,
          userId,
          name: input.name,
          tokenHash: hashToken(token),
          prefix: token.slice(0, 10),
          expiresAt: input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000),
        })
        .returning();
      const created = row!;
      await recordAudit(tx, ctx, {
        tenantId,
        action: 'token.create',
        targetType: 'token',
        targetId: created.id,
        diff: createdDiff({ name: created.name, expiresAt: created.expiresAt?.toISOString() ?? null }),
      });
      return { ...tokenOut(created), token };
    }),
  );
