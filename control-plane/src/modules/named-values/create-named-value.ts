import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { namedValues } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { SecretBox } from '../../lib/secrets.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { namedValueNameInput, namedValueOut, namedValueSchema } from './named-value-fields.js';

export const namedValueValueInput = z.string().max(4096).meta({ example: 'value' });
export const tagsInput = z.array(z.string().min(1).max(100)).max(32);

export const createNamedValue = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'named-value', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/named-values',
      tags: ['named values'],
      summary: 'Create a named value',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      name: namedValueNameInput,
      value: namedValueValueInput,
      secret: z.boolean().default(false).meta({ description: 'Encrypted at rest and never returned' }),
      tags: tagsInput.default([]),
    }),
  )
  .output(namedValueSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const [taken] = await tx
        .select({ id: namedValues.id })
        .from(namedValues)
        .where(and(eq(namedValues.workspaceId, ctx.workspace.id), eq(namedValues.name, input.name)));
      if (taken)
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: `A named value "${input.name}" exists`,
          fields: { name: ['Already used in this workspace'] },
        });
      const box = new SecretBox(ctx.deps.config.secretKey);
      const [row] = await tx
        .insert(namedValues)
        .values({
          id: newId('nv'),
          tenantId,
          workspaceId: ctx.workspace.id,
          name: input.name,
          secret: input.secret,
          value: input.secret ? null : input.value,
          sealedValue: input.secret ? box.seal(input.value) : null,
          tags: input.tags,
        })
        .returning();
      const created = row!;
      await recordConfigChange(tx, tenantId, [{ entityType: 'named_value', entityId: created.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: ctx.workspace.id,
        action: 'named_value.create',
        targetType: 'named_value',
        targetId: created.id,
        diff: createdDiff({ name: created.name, secret: created.secret, value: created.secret ? '(secret)' : created.value }),
      });
      return namedValueOut(created);
    }),
  );
