import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { apiRevisions } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { apiOut, apiSchema } from '../apis/api-out.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { findCurrentRevision, findRevision, lockApi, revisionOut, revisionSchema } from './revision-out.js';
import { liveSnapshot, parseSnapshot, toStored, type RevisionSnapshot } from './revision-snapshot.js';
import { restoreSnapshot } from './restore-snapshot.js';

const counts = z.object({ created: z.number(), updated: z.number(), deleted: z.number() });

/**
 * Makes a revision current, in one transaction: the live state is first saved into the
 * revision that was current (so nothing is lost), then the chosen revision's snapshot is
 * written into the live API, operations and policies, and the current flag moves. Making the
 * current revision current changes nothing.
 */
export const makeCurrentRevision = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'update' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/apis/{apiId}/revisions/{revisionId}/make-current',
      tags: ['revisions'],
      summary: 'Make a revision current: restore it into the live API',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      revisionId: entityId('arev', 'revision'),
    }),
  )
  .output(
    z.object({
      revision: revisionSchema,
      api: apiSchema,
      operations: counts.meta({ description: 'Operations the restore created, rewrote and deleted' }),
      policies: z.object({ written: z.number(), deleted: z.number() }),
    }),
  )
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const api = await lockApi(tx, tenantId, ctx.workspace.id, input.apiId);
      const target = await findRevision(tx, tenantId, api.id, input.revisionId);
      if (target.isCurrent) {
        return {
          revision: revisionOut(target),
          api: apiOut(api),
          operations: { created: 0, updated: 0, deleted: 0 },
          policies: { written: 0, deleted: 0 },
        };
      }
      const current = await findCurrentRevision(tx, tenantId, api.id);
      if (!current) {
        // Revision 1 is recorded current with the first revision; only a broken invariant lands here.
        throw new PorticoError('CP_ERR_INTERNAL', { message: `API ${api.id} has revisions but none is current` });
      }
      const live = await liveSnapshot(tx, api);
      const snapshot = parseSnapshot(target.snapshot, target.id);
      const now = new Date();
      // The flag moves off first: the partial unique index allows one current revision per API.
      await tx
        .update(apiRevisions)
        .set({ snapshot: toStored(live), isCurrent: false, version: sql`${apiRevisions.version} + 1`, updatedAt: now })
        .where(and(eq(apiRevisions.id, current.id), eq(apiRevisions.tenantId, tenantId)));
      const restored = await restoreSnapshot(tx, api, snapshot, `Revision ${target.revision}`);
      const [made] = await tx
        .update(apiRevisions)
        .set({ isCurrent: true, version: sql`${apiRevisions.version} + 1`, updatedAt: now })
        .where(and(eq(apiRevisions.id, target.id), eq(apiRevisions.tenantId, tenantId)))
        .returning();
      await recordConfigChange(tx, tenantId, restored.changes);
      // Identity (path, version set, version) is never restored, so it is not part of the diff.
      const settings = ({ sourceText, path: _p, versionSetId: _s, apiVersion: _v, ...rest }: RevisionSnapshot['api']) => ({
        ...rest,
        source: sourceText === null ? null : `sha256:${createHash('sha256').update(sourceText).digest('hex').slice(0, 16)}`,
      });
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: api.workspaceId,
        action: 'api_revision.make_current',
        targetType: 'api',
        targetId: api.id,
        diff: {
          currentRevision: [current.revision, target.revision],
          revisionId: [current.id, target.id],
          ...diffOf(settings(live.api), settings(snapshot.api)),
          operations: [live.operations.length, snapshot.operations.length],
          policies: [live.policies.length, snapshot.policies.length],
        },
      });
      return {
        revision: revisionOut(made!),
        api: apiOut(restored.api),
        operations: restored.operations,
        policies: restored.policies,
      };
    }),
  );
