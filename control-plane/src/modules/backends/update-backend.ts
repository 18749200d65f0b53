import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { backends } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { versionMismatch } from '../../errors.js';
import { SecretBox } from '../../lib/secrets.js';
import { entityId, nameInput, versionInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { diffOf, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { assertCertificateReferences, credentialsInput, sealCredentials } from './backend-credentials.js';
import {
  backendUrlInput,
  circuitBreakerInput,
  connectTimeoutInput,
  loadBalancingInput,
  poolInput,
  requestTimeoutInput,
  retryInput,
  urlXorPoolIssues,
} from './backend-fields.js';
import { assertNameFree, backendOut, backendSchema, backendSettings, findBackend, nameTaken } from './backend-out.js';

/**
 * Changes the fields given. `url` or `pool` replaces whichever the backend had. `credentials`,
 * when given, is the whole new set: values left out keep the stored secret of that name.
 */
export const updateBackend = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'backend', action: 'update' },
    openapi: {
      method: 'PATCH',
      path: '/workspaces/{workspaceId}/backends/{backendId}',
      tags: ['backends'],
      summary: 'Change a backend',
    },
  })
  .input(
    z
      .strictObject({
        workspaceId: entityId('ws', 'workspace'),
        backendId: entityId('be', 'backend'),
        version: versionInput,
        name: nameInput('name').optional(),
        description: z.string().max(2000).optional(),
        url: backendUrlInput.optional().meta({ description: 'Makes the backend a single URL (drops its pool)' }),
        pool: poolInput.optional().meta({ description: 'Makes the backend a pool (drops its url)' }),
        loadBalancing: loadBalancingInput.optional(),
        connectTimeoutMs: connectTimeoutInput.optional(),
        requestTimeoutMs: requestTimeoutInput.optional(),
        retry: retryInput.nullable().optional().meta({ description: 'null removes retries' }),
        circuitBreaker: circuitBreakerInput.nullable().optional().meta({ description: 'null removes the circuit breaker' }),
        credentials: credentialsInput
          .optional()
          .meta({ description: 'The whole set; entries left out are removed, values left out are kept' }),
        tlsVerify: z.boolean().optional(),
      })
      .superRefine((input, ctx) => {
        for (const issue of urlXorPoolIssues(input, false)) ctx.addIssue({ code: 'custom', ...issue });
      }),
  )
  .output(backendSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const before = await findBackend(tx, tenantId, ctx.workspace.id, input.backendId);
      if (input.name !== undefined) await assertNameFree(tx, tenantId, before.workspaceId, input.name, before.id);
      const sealed = input.credentials
        ? sealCredentials(input.credentials, before.credentials, new SecretBox(ctx.deps.config.secretKey))
        : undefined;
      await assertCertificateReferences(tx, tenantId, before.workspaceId, sealed?.credentials.clientCertificate);
      const target =
        input.url !== undefined
          ? { url: input.url, pool: null }
          : input.pool !== undefined
            ? { url: null, pool: input.pool }
            : {};
      const [after] = await tx
        .update(backends)
        .set({
          name: input.name,
          description: input.description,
          ...target,
          loadBalancing: input.loadBalancing,
          connectTimeoutMs: input.connectTimeoutMs,
          requestTimeoutMs: input.requestTimeoutMs,
          retry: input.retry,
          circuitBreaker: input.circuitBreaker,
          credentials: sealed?.credentials,
          tlsVerify: input.tlsVerify,
          version: sql`${backends.version} + 1`,
          updatedAt: new Date(),
        })
        .where(and(eq(backends.id, before.id), eq(backends.tenantId, tenantId), eq(backends.version, input.version)))
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name ?? before.name) : error;
        });
      if (!after) {
        throw versionMismatch(before.version);
      }
      await recordConfigChange(tx, tenantId, [{ entityType: 'backend', entityId: after.id, op: 'upsert' }]);
      const diff = diffOf(backendSettings(before), backendSettings(after));
      // A new secret value leaves the masked view unchanged; say which were set, never to what.
      if (sealed?.secretsSet.length) diff.secretsSet = [null, sealed.secretsSet];
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId: after.workspaceId,
        action: 'backend.update',
        targetType: 'backend',
        targetId: after.id,
        diff,
      });
      return backendOut(after);
    }),
  );
