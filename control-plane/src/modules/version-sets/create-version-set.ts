import { z } from 'zod';
import { apiVersionSets } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { newId } from '../../lib/ids.js';
import { entityId, nameInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import {
  assertNameFree,
  nameTaken,
  schemeIssues,
  versionSetInput,
  versionSetOut,
  versionSetSchema,
  versionSetSettings,
} from './version-set-fields.js';

/** A version set groups the versions of one API; its scheme says where a request names the version. */
export const createVersionSet = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/version-sets',
      tags: ['version-sets'],
      summary: 'Create a version set',
    },
  })
  .input(
    z
      .strictObject({
        workspaceId: entityId('ws', 'workspace'),
        name: nameInput('name'),
        description: versionSetInput.description.default(''),
        versioningScheme: versionSetInput.versioningScheme.default('segment'),
        versionHeaderName: versionSetInput.versionHeaderName.optional(),
        versionQueryName: versionSetInput.versionQueryName.optional(),
      })
      .superRefine((input, ctx) => {
        const issues = schemeIssues(input.versioningScheme, input.versionHeaderName ?? null, input.versionQueryName ?? null);
        for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
      }),
  )
  .output(versionSetSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const workspaceId = ctx.workspace.id;
      await assertNameFree(tx, tenantId, workspaceId, input.name);
      const [row] = await tx
        .insert(apiVersionSets)
        .values({
          id: newId('avs'),
          tenantId,
          workspaceId,
          name: input.name,
          description: input.description,
          versioningScheme: input.versioningScheme,
          versionHeaderName: input.versionHeaderName ?? null,
          versionQueryName: input.versionQueryName ?? null,
        })
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name) : error;
        });
      const set = row!;
      await recordConfigChange(tx, tenantId, [{ entityType: 'api_version_set', entityId: set.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId,
        action: 'version_set.create',
        targetType: 'api_version_set',
        targetId: set.id,
        diff: createdDiff(Object.fromEntries(Object.entries(versionSetSettings(set)).filter(([, v]) => v !== null))),
      });
      return versionSetOut(set);
    }),
  );
