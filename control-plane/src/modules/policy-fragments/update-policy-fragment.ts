import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { policyFragments } from '../../db/schema/index.js';
import { versionMismatch } from '../../errors.js';
import { entityId, versionInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { checkPolicyFragment } from './check-policy-fragment.js';
import {
  findPolicyFragment,
  fragmentDescriptionInput,
  fragmentIdInput,
  fragmentSourceInput,
  policyFragmentOut,
  policyFragmentSchema,
} from './fragment-fields.js';
import { lockFragments } from './fragment-graph.js';

/**
 * The name stays: documents and other fragments include it by name. A new source is checked
 * against every section where the fragment is already included.
 */
export const updatePolicyFragment = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'policy', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/workspaces/{workspaceId}/policy-fragments/{fragmentId}',
      tags: ['policy fragments'],
      summary: 'Change a policy fragment',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      fragmentId: fragmentIdInput,
      version: versionInput,
      description: fragmentDescriptionInput.optional(),
      format: fragmentSourceInput.format.unwrap().optional(),
      source: fragmentSourceInput.source.optional(),
    }),
  )
  .output(policyFragmentSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      await lockFragments(tx, ctx.workspace.id, 'exclusive');
      const before = await findPolicyFragment(tx, tenantId, ctx.workspace.id, input.fragmentId);
      const format = input.format ?? before.format;
      const source = input.source ?? before.source;
      const statements =
        input.source !== undefined || input.format !== undefined
          ? await checkPolicyFragment(tx, tenantId, ctx.workspace, { name: before.name, source, format })
          : before.statements;
      const [after] = await tx
        .update(policyFragments)
        .set({
          description: input.description ?? before.description,
          format,
          source,
          statements,
          version: sql`${policyFragments.version} + 1`,
          updatedAt: new Date(),
        })
        .where(
          and(
            eq(policyFragments.id, before.id),
            eq(policyFragments.tenantId, tenantId),
            eq(policyFragments.version, input.version),
          ),
        )
        .returning();
      if (!after) throw versionMismatch(before.version);
      await recordConfigChange(tx, tenantId, [{ entityType: 'policy_fragment', entityId: before.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: ctx.workspace.id,
        action: 'policy_fragment.update',
        targetType: 'policy_fragment',
        targetId: before.id,
        diff: diffOf(
          { description: before.description, format: before.format, source: before.source },
          { description: after.description, format: after.format, source: after.source },
        ),
      });
      return policyFragmentOut(after);
    }),
  );
