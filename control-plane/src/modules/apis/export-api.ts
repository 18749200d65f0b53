import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { backends, operations } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from './api-fields.js';
import { exportOpenApi } from './import/openapi-export.js';

const SOURCE_CONTENT_TYPES: Record<string, string> = {
  'openapi-json': 'application/json',
  'swagger-json': 'application/json',
  'openapi-yaml': 'application/yaml',
  'swagger-yaml': 'application/yaml',
  wsdl: 'application/xml',
  'odata-csdl': 'application/xml',
  'graphql-sdl': 'application/graphql',
  protobuf: 'text/plain',
};

/** An `http` API as OpenAPI 3.1 built from its operations, or any API's imported spec verbatim. */
export const exportApi = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'api', action: 'read' },
    openapi: { method: 'GET', path: '/workspaces/{workspaceId}/apis/{apiId}/export', tags: ['apis'], summary: 'Export an API' },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      apiId: entityId('api', 'API'),
      format: z.enum(['openapi-json', 'openapi-yaml', 'source']).default('openapi-yaml').meta({ example: 'openapi-yaml' }),
    }),
  )
  .output(z.object({ contentType: z.string(), content: z.string() }))
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const api = await findApi(db, ctx.actor.tenantId, ctx.workspace.id, input.apiId);
    if (input.format === 'source') {
      if (api.sourceText === null || api.sourceFormat === null) {
        throw new PorticoError('CP_ERR_CONFLICT', {
          message: 'This API was not imported from a document; export it as OpenAPI instead',
        });
      }
      return { contentType: SOURCE_CONTENT_TYPES[api.sourceFormat] ?? 'text/plain', content: api.sourceText };
    }
    if (api.type !== 'http') {
      throw new PorticoError('CP_ERR_CONFLICT', {
        message: `A ${api.type} API has no OpenAPI form; export it with format "source"`,
      });
    }
    const rows = await db
      .select()
      .from(operations)
      .where(and(eq(operations.apiId, api.id), eq(operations.tenantId, api.tenantId)))
      .orderBy(asc(operations.createdAt), asc(operations.id));
    const [backend] = api.backendId
      ? await db.select({ url: backends.url }).from(backends).where(eq(backends.id, api.backendId))
      : [];
    const format = input.format === 'openapi-json' ? 'json' : 'yaml';
    const content = exportOpenApi(
      { name: api.name, description: api.description, path: api.path, serviceUrl: backend?.url ?? undefined },
      rows.map((r) => ({
        name: r.name,
        description: r.description,
        method: r.method,
        urlTemplate: r.urlTemplate,
        parameters: r.parameters,
        request: r.request,
        responses: r.responses,
        tags: r.tags,
        binding: r.binding,
      })),
      format,
    );
    return { contentType: format === 'json' ? 'application/json' : 'application/yaml', content };
  });
