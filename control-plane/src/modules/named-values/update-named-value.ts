import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { namedValues } from '../../db/schema/index.js';
import { PorticoError, versionMismatch } from '../../errors.js';
import { SecretBox } from '../../lib/secrets.js';
import { entityId, versionInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { namedValueValueInput, tagsInput } from './create-named-value.js';
import { findNamedValue, namedValueOut, namedValueSchema } from './named-value-fields.js';

/** The name stays: policies refer to it. Turning a secret into a plain value needs a new value. */
export const updateNamedValue = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'named-value', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/workspaces/{workspaceId}/named-values/{namedValueId}',
      tags: ['named values'],
      summary: 'Change a named value',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      namedValueId: entityId('nv', 'named value'),
      version: versionInput,
      value: namedValueValueInput.optional(),
      secret: z.boolean().optional(),
      tags: tagsInput.optional(),
    }),
  )
  .output(namedValueSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const before = await findNamedValue(tx, tenantId, ctx.workspace.id, input.namedValueId);
      const secret = input.secret ?? before.secret;
      const box = new SecretBox(ctx.deps.config.secretKey);
      let value = before.value;
      let sealedValue = before.sealedValue;
      if (input.value !== undefined) {
        value = secret ? null : input.value;
        sealedValue = secret ? box.seal(input.value) : null;
      } else if (secret && !before.secret) {
        sealedValue = box.seal(before.value ?? '');
        value = null;
      } else if (!secret && before.secret) {
        throw new PorticoError('CP_ERR_VALIDATION', {
          message: 'value: give the value when making a secret plain',
          fields: { value: ['Required when making a secret plain'] },
        });
      }
      const [after] = await tx
        .update(namedValues)
        .set({
          secret,
          value,
          sealedValue,
          tags: input.tags ?? before.tags,
          version: sql`${namedValues.version} + 1`,
          updatedAt: new Date(),
        })
        .where(and(eq(namedValues.id, before.id), eq(namedValues.tenantId, tenantId), eq(namedValues.version, input.version)))
        .returning();
      if (!after) throw versionMismatch(before.version);
      await recordConfigChange(tx, tenantId, [{ entityType: 'named_value', entityId: before.id, op: 'upsert' }]);
      const shown = (isSecret: boolean, v: string | null) => (isSecret ? '(secret)' : v);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: ctx.workspace.id,
        action: 'named_value.update',
        targetType: 'named_value',
        targetId: before.id,
        diff: {
          ...(input.value !== undefined || secret !== before.secret
            ? { value: [shown(before.secret, before.value), shown(secret, value)] }
            : {}),
          ...(secret !== before.secret ? { secret: [before.secret, secret] } : {}),
          ...(input.tags ? { tags: [before.tags, input.tags] } : {}),
        },
      });
      return namedValueOut(after);
    }),
  );
