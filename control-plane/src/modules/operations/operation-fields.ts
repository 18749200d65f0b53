import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { operations, type OperationParameter } from '../../db/schema/index.js';
import { PorticoError, invalidField, notFound } from '../../errors.js';
import { parseUrlTemplate } from './url-template.js';

const jsonSchema = z.unknown().meta({ description: 'JSON Schema' });
const examples = z.record(z.string(), z.unknown()).meta({ description: 'Named examples' });

export const parameterInput = z.strictObject({
  name: z.string().min(1).max(200),
  in: z.enum(['path', 'query', 'header']),
  required: z.boolean().optional(),
  description: z.string().max(10_000).optional(),
  schema: jsonSchema.optional(),
});

const representationInput = z.strictObject({
  contentType: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\w.+-]+\/[\w.+*-]+(;.*)?$/, { error: 'Expected a media type such as application/json' }),
  schema: jsonSchema.optional(),
  examples: examples.optional(),
});

export const operationBodyInput = {
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^\S+$/, { error: 'No spaces: an identifier such as getUser' })
    .meta({ example: 'getThing' }),
  description: z.string().max(10_000),
  method: z
    .string()
    .min(1)
    .max(20)
    .regex(/^[A-Za-z][A-Za-z0-9-]*$/, { error: 'An HTTP method such as GET' })
    .transform((m) => m.toUpperCase())
    .meta({ example: 'GET' }),
  urlTemplate: z.string().min(1).max(2000).meta({ example: '/items/{itemId}' }),
  parameters: z.array(parameterInput).max(200),
  request: z
    .strictObject({
      description: z.string().max(10_000).optional(),
      required: z.boolean().optional(),
      representations: z.array(representationInput).max(50),
    })
    .nullable(),
  responses: z
    .array(
      z.strictObject({
        status: z.union([z.number().int().min(100).max(599), z.literal('default')]),
        description: z.string().max(10_000).optional(),
        headers: z.array(parameterInput).max(100).optional(),
        representations: z.array(representationInput).max(50).optional(),
      }),
    )
    .max(100),
  tags: z.array(z.string().min(1).max(100)).max(50),
};

/**
 * Checks a template against the declared parameters: every `{name}` needs a path parameter and
 * every path parameter a `{name}`. Undeclared ones are added as required strings, as Azure does.
 */
export function normalizeParameters(
  urlTemplate: string,
  parameters: OperationParameter[],
): { parameters: OperationParameter[]; shape: string } {
  const parsed = parseUrlTemplate(urlTemplate);
  if (!parsed.ok) throw invalidField('urlTemplate', parsed.message);
  const declared = new Set(parameters.filter((p) => p.in === 'path').map((p) => p.name));
  const stray = [...declared].find((name) => !parsed.value.parameters.includes(name));
  if (stray) throw invalidField('parameters', `Path parameter "${stray}" is not in the URL template`);
  const seen = new Set<string>();
  for (const p of parameters) {
    const key = `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;
    if (seen.has(key)) throw invalidField('parameters', `The ${p.in} parameter "${p.name}" is declared twice`);
    seen.add(key);
  }
  const added = parsed.value.parameters
    .filter((name) => !declared.has(name))
    .map((name): OperationParameter => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  // Path parameters are always required (RFC 6570 expansion of a missing one changes the route).
  const all = [...parameters.map((p) => (p.in === 'path' ? { ...p, required: true } : p)), ...added];
  return { parameters: all, shape: parsed.value.shape };
}

/** Same method and same template shape (names aside) would make routing ambiguous. */
export async function assertRouteFree(
  tx: Db,
  apiId: string,
  method: string,
  shape: string,
  name: string,
  exceptOperationId?: string,
): Promise<void> {
  const siblings = await tx
    .select({ id: operations.id, name: operations.name, method: operations.method, urlTemplate: operations.urlTemplate })
    .from(operations)
    .where(and(eq(operations.apiId, apiId), exceptOperationId ? ne(operations.id, exceptOperationId) : undefined));
  for (const other of siblings) {
    if (other.name === name) {
      throw new PorticoError('CP_ERR_CONFLICT', {
        message: `An operation named "${name}" exists in this API`,
        fields: { name: ['Already used in this API'] },
      });
    }
    const otherShape = parseUrlTemplate(other.urlTemplate);
    if (other.method === method && otherShape.ok && otherShape.value.shape === shape) {
      throw new PorticoError('CP_ERR_CONFLICT', {
        message: `${method} ${shape} is ambiguous with operation "${other.name}" (${other.method} ${other.urlTemplate})`,
        fields: { urlTemplate: [`Ambiguous with ${other.method} ${other.urlTemplate}`] },
      });
    }
  }
}

export async function findOperation(tx: Db, tenantId: string, apiId: string, operationId: string) {
  const [row] = await tx
    .select()
    .from(operations)
    .where(and(eq(operations.id, operationId), eq(operations.apiId, apiId), eq(operations.tenantId, tenantId)));
  if (!row) throw notFound('Operation');
  return row;
}

export const operationSchema = z.object({
  id: z.string(),
  apiId: z.string(),
  name: z.string(),
  description: z.string(),
  method: z.string(),
  urlTemplate: z.string(),
  parameters: z.array(
    z.object({
      name: z.string(),
      in: z.string(),
      required: z.boolean().optional(),
      description: z.string().optional(),
      schema: z.unknown().optional(),
    }),
  ),
  request: z.unknown().nullable(),
  responses: z.array(z.unknown()),
  tags: z.array(z.string()),
  binding: z.unknown().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function operationOut(row: typeof operations.$inferSelect): z.infer<typeof operationSchema> {
  return {
    id: row.id,
    apiId: row.apiId,
    name: row.name,
    description: row.description,
    method: row.method,
    urlTemplate: row.urlTemplate,
    parameters: row.parameters,
    request: row.request ?? null,
    responses: row.responses,
    tags: row.tags,
    binding: row.binding ?? null,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
