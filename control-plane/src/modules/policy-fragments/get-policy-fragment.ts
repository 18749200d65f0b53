import { z } from 'zod';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findPolicyFragment, fragmentIdInput, policyFragmentOut, policyFragmentSchema } from './fragment-fields.js';

export const getPolicyFragment = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'policy', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/policy-fragments/{fragmentId}',
      tags: ['policy fragments'],
      summary: 'One policy fragment',
    },
  })
  .input(z.strictObject({ workspaceId: entityId('ws', 'workspace'), fragmentId: fragmentIdInput }))
  .output(policyFragmentSchema)
  .query(async ({ ctx, input }) =>
    policyFragmentOut(await findPolicyFragment(ctx.deps.db, ctx.actor.tenantId, ctx.workspace.id, input.fragmentId)),
  );
