import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apis, backends } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { FetchRefused, safeFetchText } from '../../lib/safe-fetch.js';
import { entityId, nameInput, slugify } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { recordAudit } from '../audit/record-audit.js';
import { recordConfigChange, type ConfigChange } from '../config/record-config-change.js';
import { apiPathInput, assertBackendInWorkspace, assertPathFree, findApi } from './api-fields.js';
import { apiOut, apiSchema } from './api-out.js';
import { replaceOperations } from './import-into-api.js';
import { ImportError, type ImportSource } from './import/imported-api.js';
import { IMPORT_FORMATS, importSpec } from './import/import-spec.js';

const issueSchema = z.object({
  pointer: z.string(),
  line: z.number().optional(),
  file: z.string().optional(),
  message: z.string(),
});

/**
 * Creates an API from a spec (OpenAPI/Swagger, WSDL, OData $metadata, GraphQL SDL, .proto), or
 * re-imports into an existing one (`apiId`), replacing its operations. All or nothing: a
 * document with problems changes nothing and the answer lists each problem with where it is.
 */
export const importApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'create' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/apis/import',
      tags: ['apis'],
      summary: 'Import an API from a spec',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      source: z.union([
        z.strictObject({
          content: z.string().min(1).meta({
            description: 'The spec itself',
            example: 'openapi: 3.1.0\ninfo: { title: Sample, version: "1" }\npaths: {}',
          }),
          fileName: z
            .string()
            .max(300)
            .default('spec')
            .meta({ description: 'Name of the main file, for relative references and messages' }),
          files: z
            .record(z.string().max(300), z.string())
            .optional()
            .meta({ description: 'Other files of a multi-file spec, keyed by path relative to the main file' }),
        }),
        z.strictObject({
          url: z.url({ protocol: /^https?$/ }).meta({ description: 'Fetch the spec from here (public addresses only)' }),
        }),
      ]),
      format: z
        .enum(IMPORT_FORMATS)
        .optional()
        .meta({ description: 'Detected from the content when omitted', example: 'openapi' }),
      apiId: entityId('api', 'API').optional().meta({ description: 'Re-import into this API, replacing its operations' }),
      name: nameInput('name').optional(),
      path: apiPathInput.optional(),
      backendId: entityId('be', 'backend')
        .optional()
        .meta({ description: 'Otherwise a backend is created from the URL the spec declares, if any' }),
    }),
  )
  .output(
    z.object({ api: apiSchema, created: z.number(), updated: z.number(), deleted: z.number(), warnings: z.array(issueSchema) }),
  )
  .mutation(async ({ ctx, input }) => {
    const { config } = ctx.deps;
    let source: ImportSource;
    const url = 'url' in input.source ? input.source.url : undefined;
    if (url !== undefined) {
      try {
        const fetched = await safeFetchText(url, {
          maxBytes: config.importMaxBytes,
          timeoutMs: config.importTimeoutMs,
          allowPrivate: config.importAllowPrivateUrls,
        });
        source = { fileName: new URL(url).pathname.split('/').pop() || 'spec', text: fetched.text };
      } catch (error) {
        if (!(error instanceof FetchRefused)) throw error;
        throw new PorticoError('CP_ERR_VALIDATION', {
          message: `source.url: ${error.message}`,
          fields: { 'source.url': [error.message] },
        });
      }
    } else if ('content' in input.source) {
      const { content, fileName, files } = input.source;
      source = { fileName, text: content, ...(files ? { files } : {}) };
    } else {
      throw new PorticoError('CP_ERR_VALIDATION', { fields: { source: ['Give content or url'] } });
    }

    let imported;
    try {
      imported = await importSpec(source, input.format);
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      const first = error.issues[0];
      throw new PorticoError('CP_ERR_VALIDATION', {
        message: `The document cannot be imported: ${first ? `${first.line ? `line ${first.line}, ` : ''}${first.pointer || '/'}: ${first.message}` : error.message}`,
        issues: error.issues,
      });
    }

    return ctx.deps.db.transaction(async (tx) => {
      const { tenantId } = ctx.actor;
      const workspaceId = ctx.workspace.id;
      const changes: ConfigChange[] = [];
      let backendId = input.backendId ?? null;
      if (backendId) await assertBackendInWorkspace(tx, tenantId, workspaceId, backendId);

      let api;
      if (input.apiId) {
        const before = await findApi(tx, tenantId, workspaceId, input.apiId);
        if (before.type !== imported.type) {
          throw new PorticoError('CP_ERR_CONFLICT', {
            message: `The API is of type ${before.type}; the document describes a ${imported.type} API`,
          });
        }
        const [row] = await tx
          .update(apis)
          .set({
            sourceFormat: imported.sourceFormat,
            sourceText: source.text,
            description: imported.description || before.description,
            updatedAt: new Date(),
            version: before.version + 1,
            ...(backendId ? { backendId } : {}),
          })
          .where(and(eq(apis.id, before.id), eq(apis.tenantId, tenantId)))
          .returning();
        api = row!;
      } else {
        const name = input.name ?? (imported.name || 'Imported API');
        const path = input.path ?? (imported.suggestedPath || slugify(name, 'api'));
        const parsedPath = apiPathInput.safeParse(path);
        if (!parsedPath.success) {
          throw new PorticoError('CP_ERR_VALIDATION', {
            message: `path: "${path}" from the document is not usable; give a path`,
            fields: { path: ['Give a path for this API'] },
          });
        }
        await assertPathFree(tx, tenantId, path, '');
        if (!backendId && imported.serviceUrl) {
          backendId = newId('be');
          await tx.insert(backends).values({
            id: backendId,
            tenantId,
            workspaceId,
            name: `${name} backend ${backendId.slice(-6)}`,
            url: imported.serviceUrl,
          });
          changes.push({ entityType: 'backend', entityId: backendId, op: 'upsert' });
        }
        const [row] = await tx
          .insert(apis)
          .values({
            id: newId('api'),
            tenantId,
            workspaceId,
            name,
            description: imported.description,
            path,
            type: imported.type,
            backendId,
            protocols: imported.type === 'websocket' ? ['wss'] : ['https'],
            sourceFormat: imported.sourceFormat,
            sourceText: source.text,
          })
          .returning();
        api = row!;
      }
      const result = await replaceOperations(tx, api, imported.operations);
      await recordConfigChange(tx, tenantId, [
        { entityType: 'api', entityId: api.id, op: 'upsert' },
        ...changes,
        ...result.changes,
      ]);
      await recordAudit(tx, ctx, {
        tenantId,
        workspaceId,
        action: input.apiId ? 'api.reimport' : 'api.import',
        targetType: 'api',
        targetId: api.id,
        diff: {
          sourceFormat: [null, imported.sourceFormat],
          operations: [null, { created: result.created, updated: result.updated, deleted: result.deleted }],
          ...(url ? { url: [null, url] } : {}),
        },
      });
      return {
        api: apiOut(api),
        created: result.created,
        updated: result.updated,
        deleted: result.deleted,
        warnings: imported.warnings,
      };
    });
  });
