import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import type { AppRouter } from '../router.js';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

const ERROR_BODY: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable error code, e.g. CP_ERR_VALIDATION', examples: ['CP_ERR_VALIDATION'] },
        message: { type: 'string' },
        fields: {
          type: 'object',
          description: 'Per-field messages, keyed by the dot-joined field path',
          additionalProperties: { type: 'array', items: { type: 'string' } },
        },
        issues: {
          type: 'array',
          description: 'Problems inside a submitted document (API spec, policy), each with where it is',
          items: {
            type: 'object',
            required: ['pointer', 'message'],
            properties: {
              pointer: { type: 'string', description: 'JSON pointer, or a policy path such as inbound[2].rate-limit.calls' },
              line: { type: 'integer' },
              file: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
        retryAfterSeconds: { type: 'integer' },
        requestId: { type: 'string' },
      },
    },
  },
};

/**
 * The REST API's OpenAPI 3.1 document, generated from the routers. Errors are described by
 * our one error model rather than the generator's default.
 */
export function createOpenApiDocument(router: AppRouter, baseUrl: string, version: string): OpenAPIObject {
  const doc = generateOpenApiDocument(router, {
    title: 'Portico management API',
    description:
      'Manage tenants, workspaces, members, access tokens and the audit log. Authenticate with `Authorization: Bearer <personal access token>`, or with the session cookie plus the `x-csrf-token` header for mutations.',
    version,
    openApiVersion: '3.1.0',
    baseUrl,
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'A personal access token (POST /tokens)' },
    },
  });
  doc.components ??= {};
  doc.components.schemas = { ...doc.components.schemas, Error: ERROR_BODY };
  for (const item of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, { responses?: Record<string, unknown> }>)) {
      if (!operation?.responses) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status.startsWith('2')) continue;
        operation.responses[status] = {
          description: (response as { description?: string }).description ?? 'Error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        };
      }
    }
  }
  return doc;
}
