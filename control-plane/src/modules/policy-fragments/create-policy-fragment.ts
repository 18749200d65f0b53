import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { policyFragments } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { checkPolicyFragment } from './check-policy-fragment.js';
import {
  fragmentDescriptionInput,
  fragmentNameInput,
  fragmentSourceInput,
  policyFragmentOut,
  policyFragmentSchema,
} from './fragment-fields.js';
import { lockFragments } from './fragment-graph.js';

export const createPolicyFragment = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'policy', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/policy-fragments',
      tags: ['policy fragments'],
      summary: 'Create a policy fragment (a named statement list for include-fragment)',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      name: fragmentNameInput,
      description: fragmentDescriptionInput.default(''),
      ...fragmentSourceInput,
    }),
  )
  .output(policyFragmentSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      await lockFragments(tx, ctx.workspace.id, 'exclusive');
      const [taken] = await tx
        .select({ id: policyFragments.id })
        .from(policyFragments)
        .where(and(eq(policyFragments.workspaceId, ctx.workspace.id), eq(policyFragments.name, input.name)));
      if (taken)
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: `A policy fragment "${input.name}" exists`,
          fields: { name: ['Already used in this workspace'] },
        });
      const statements = await checkPolicyFragment(tx, tenantId, ctx.workspace, input);
      const [row] = await tx
        .insert(policyFragments)
        .values({
          id: newId('frag'),
          tenantId,
          workspaceId: ctx.workspace.id,
          name: input.name,
          description: input.description,
          format: input.format,
          source: input.source,
          statements,
        })
        .returning();
      const created = row!;
      await recordConfigChange(tx, tenantId, [{ entityType: 'policy_fragment', entityId: created.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: ctx.workspace.id,
        action: 'policy_fragment.create',
        targetType: 'policy_fragment',
        targetId: created.id,
        diff: createdDiff({ name: created.name, description: created.description, source: created.source }),
      });
      return policyFragmentOut(created);
    }),
  );
