import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { policyFragments } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { okOut } from '../schemas.js';
import { findPolicyFragment, fragmentIdInput } from './fragment-fields.js';
import { fragmentReferrers, loadFragmentGraph, lockFragments } from './fragment-graph.js';

/** Refused while a policy document or another fragment includes it: the include would dangle. */
export const deletePolicyFragment = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'policy', action: 'delete' },
    openapi: {
      method: 'DELETE',
      path: '/workspaces/{workspaceId}/policy-fragments/{fragmentId}',
      tags: ['policy fragments'],
      summary: 'Delete a policy fragment nothing includes',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), fragmentId: fragmentIdInput }))
  .output(okOut)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      await lockFragments(tx, ctx.workspace.id, 'exclusive');
      const row = await findPolicyFragment(tx, tenantId, ctx.workspace.id, input.fragmentId);
      const graph = await loadFragmentGraph(tx, tenantId, ctx.workspace.id);
      const referrers = await fragmentReferrers(tx, tenantId, ctx.workspace, graph, row.name);
      if (referrers.length > 0) {
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: `"${row.name}" is included by ${referrers.join(', ')}; remove those includes first`,
          issues: referrers.map((where) => ({ pointer: where, message: `includes fragment "${row.name}"` })),
        });
      }
      await tx.delete(policyFragments).where(and(eq(policyFragments.id, row.id), eq(policyFragments.tenantId, tenantId)));
      await recordConfigChange(tx, tenantId, [{ entityType: 'policy_fragment', entityId: row.id, op: 'delete' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: ctx.workspace.id,
        action: 'policy_fragment.delete',
        targetType: 'policy_fragment',
        targetId: row.id,
        diff: { name: [row.name, null], source: [row.source, null] },
      });
      return { ok: true as const };
    }),
  );
