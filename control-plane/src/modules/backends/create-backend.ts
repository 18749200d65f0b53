import { z } from 'zod';
import { backends } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/errors.js';
import { newId } from '../../lib/ids.js';
import { SecretBox } from '../../lib/secrets.js';
import { entityId, nameInput } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import { assertCertificateReferences, credentialsInput, sealCredentials } from './backend-credentials.js';
import {
  LIMITS,
  backendUrlInput,
  circuitBreakerInput,
  connectTimeoutInput,
  loadBalancingInput,
  poolInput,
  requestTimeoutInput,
  retryInput,
  urlXorPoolIssues,
} from './backend-fields.js';
import { assertNameFree, backendOut, backendSchema, backendSettings, nameTaken, withoutNulls } from './backend-out.js';

export const createBackend = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'backend', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/backends',
      tags: ['backends'],
      summary: 'Create a backend: one URL or a load-balanced pool',
    },
  })
  .input(
    z
      .strictObject({
        workspaceId: entityId('ws', 'workspace'),
        name: nameInput('name'),
        description: z.string().max(2000).default(''),
        url: backendUrlInput.optional().meta({ description: 'The backend, when it is one URL (or give pool)' }),
        pool: poolInput.optional().meta({ description: 'Targets to balance over (or give url)' }),
        loadBalancing: loadBalancingInput.default('round-robin'),
        connectTimeoutMs: connectTimeoutInput.default(LIMITS.connectTimeoutMs.default),
        requestTimeoutMs: requestTimeoutInput.default(LIMITS.requestTimeoutMs.default),
        retry: retryInput.nullable().default(null).meta({ description: 'null: no retries' }),
        circuitBreaker: circuitBreakerInput.nullable().default(null).meta({ description: 'null: no circuit breaker' }),
        credentials: credentialsInput.default({}),
        tlsVerify: z.boolean().default(true).meta({ description: "Verify the backend's TLS certificate" }),
      })
      .superRefine((input, ctx) => {
        for (const issue of urlXorPoolIssues(input, true)) ctx.addIssue({ code: 'custom', ...issue });
      }),
  )
  .output(backendSchema)
  .mutation(({ ctx, input }) =>
    ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const workspaceId = ctx.workspace.id;
      await assertNameFree(tx, tenantId, workspaceId, input.name);
      const { credentials } = sealCredentials(input.credentials, {}, new SecretBox(ctx.deps.config.secretKey));
      await assertCertificateReferences(tx, tenantId, workspaceId, credentials.clientCertificate);
      const [row] = await tx
        .insert(backends)
        .values({
          id: newId('be'),
          tenantId,
          workspaceId,
          name: input.name,
          description: input.description,
          url: input.url ?? null,
          pool: input.pool ?? null,
          loadBalancing: input.loadBalancing,
          connectTimeoutMs: input.connectTimeoutMs,
          requestTimeoutMs: input.requestTimeoutMs,
          retry: input.retry,
          circuitBreaker: input.circuitBreaker,
          credentials,
          tlsVerify: input.tlsVerify,
        })
        .returning()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nameTaken(input.name) : error;
        });
      const backend = row!;
      await recordConfigChange(tx, tenantId, [{ entityType: 'backend', entityId: backend.id, op: 'upsert' }]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId,
        action: 'backend.create',
        targetType: 'backend',
        targetId: backend.id,
        // Credentials appear masked: names only, never a value.
        diff: createdDiff(withoutNulls(backendSettings(backend))),
      });
      return backendOut(backend);
    }),
  );
