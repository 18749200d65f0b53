import { matchUrlTemplate, PipelineCompileError, tracePipeline } from '@portico/gateway';
import { and, eq, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import { fragmentsByWorkspace } from '../../compiler/build-gateway-view.js';
import { buildPipelines } from '../../compiler/build-pipelines.js';
import { loadDefaultWorkspaceId, loadFragments, unique } from '../../compiler/load-view-rows.js';
import { referencedNames, selectNamedValues } from '../../compiler/select-named-values.js';
import { toApi } from '../../compiler/to-api.js';
import { namedValues, operations, policyDocuments, products, subscriptions } from '../../db/schema/index.js';
import { invalidField, notFound } from '../../errors.js';
import { SecretBox } from '../../lib/secrets.js';
import { entityId } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { findApi } from '../apis/api-fields.js';

const headersInput = z
  .record(z.string().min(1).max(256), z.union([z.string().max(8192), z.array(z.string().max(8192)).max(32)]))
  .refine((headers) => Object.keys(headers).length <= 100, 'at most 100 headers')
  .optional();
const body = z
  .string()
  .max(1024 * 1024)
  .optional()
  .meta({ description: 'The body as text (at most 1 MiB)' });

const traceInput = z.strictObject({
  workspaceId: entityId('ws', 'workspace'),
  apiId: entityId('api', 'API'),
  operationId: entityId('op', 'operation'),
  productId: entityId('prd', 'product').optional().meta({ description: 'The product the call comes through, if any' }),
  subscriptionId: entityId('sub', 'subscription')
    .optional()
    .meta({ description: 'Run as this subscription (what `subscription` holds in expressions)' }),
  request: z
    .strictObject({
      method: z
        .string()
        .regex(/^[A-Za-z]+$/, 'an HTTP method')
        .optional()
        .meta({ description: "Default: the operation's method" }),
      path: z
        .string()
        .startsWith('/')
        .max(8192)
        .optional()
        .meta({ description: "Relative to the API, matching the operation's URL template: `/orders/42`. Default: the template" }),
      query: z.string().max(8192).optional().meta({ description: 'Without `?`: `expand=items&limit=5`' }),
      headers: headersInput,
      body,
      ip: z.union([z.ipv4(), z.ipv6()]).optional().meta({ description: "The caller's address; default 203.0.113.10" }),
    })
    .default({}),
  backendResponse: z
    .strictObject({
      status: z.number().int().min(100).max(599).default(200),
      headers: headersInput,
      body,
    })
    .default({ status: 200 })
    .meta({ description: 'What the backend answers instead of being called' }),
});

const effect = z.object({ field: z.string(), before: z.string().optional(), after: z.string().optional() });
const message = z.object({
  method: z.string().optional(),
  path: z.string().optional(),
  query: z.string().optional(),
  status: z.number().optional(),
  headers: z.record(z.string(), z.string()),
  body: z.string().nullable(),
});
const failure = z.object({ source: z.string(), reason: z.string(), message: z.string() });

const traceOutput = z.object({
  steps: z.array(
    z.object({
      section: z.string(),
      path: z.string().meta({ description: 'Where in the flattened pipeline: `inbound[2]`' }),
      policy: z.string(),
      origin: z
        .object({ scope: z.string(), id: z.string(), path: z.string() })
        .meta({ description: 'The scope the statement was written in, its id and its place in that document' }),
      outcome: z.enum(['continue', 'respond', 'error']),
      effects: z.array(effect),
      error: failure.optional(),
      durationMs: z.number(),
    }),
  ),
  backendRequests: z.array(message).meta({ description: 'What the backend would have been sent' }),
  response: message.meta({ description: 'What the caller would get' }),
  variables: z.record(z.string(), z.string()),
  lastError: failure.extend({ policy: z.string().optional() }).nullable(),
});

const SUBSCRIPTION_STATES: Record<string, string> = { active: 'active', suspended: 'suspended', submitted: 'submitted' };

/**
 * A dry run of an operation's policy (DESIGN §7, "explainable policies"): every scope's document
 * merged and fragments inlined exactly as a gateway gets them, compiled by the gateway's own
 * compiler, run on a sample request with the backend replaced by `backendResponse`. Returns each
 * statement that ran with its scope of origin and what it changed, and the final request and
 * response. Live counters and caches are not touched; secret named values are masked.
 */
export const tracePolicy = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'policy', action: 'read' },
    openapi: {
      method: 'POST',
      path: '/workspaces/{workspaceId}/apis/{apiId}/operations/{operationId}/policy-trace',
      tags: ['policies'],
      summary: "Dry-run a sample request through an operation's policy and explain each statement",
    },
  })
  .input(traceInput)
  .output(traceOutput)
  .mutation(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { tenantId } = ctx.actor;
    const workspaceId = ctx.workspace.id;
    const api = await findApi(db, tenantId, workspaceId, input.apiId);
    const [operation] = await db
      .select()
      .from(operations)
      .where(and(eq(operations.id, input.operationId), eq(operations.apiId, api.id), eq(operations.tenantId, tenantId)));
    if (!operation) throw notFound('Operation');
    let product: typeof products.$inferSelect | undefined;
    if (input.productId !== undefined) {
      [product] = await db
        .select()
        .from(products)
        .where(and(eq(products.id, input.productId), eq(products.tenantId, tenantId), eq(products.workspaceId, workspaceId)));
      if (!product) throw notFound('Product');
    }
    let subscription: typeof subscriptions.$inferSelect | undefined;
    if (input.subscriptionId !== undefined) {
      [subscription] = await db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.id, input.subscriptionId), eq(subscriptions.tenantId, tenantId)));
      if (!subscription) throw notFound('Subscription');
    }

    const path = input.request.path ?? operation.urlTemplate.split('?')[0]!;
    const matched = matchUrlTemplate(operation.urlTemplate, path);
    if ('mismatch' in matched)
      throw invalidField('request.path', `'${path}' does not match the operation's URL template '${operation.urlTemplate}'`);
    const params = 'params' in matched ? Object.fromEntries(matched.params) : {};

    const defaultWorkspaceId = await loadDefaultWorkspaceId(db, tenantId);
    const scopeIds = [tenantId, workspaceId, api.id, operation.id, ...(product ? [product.id] : [])];
    const documents = await db
      .select()
      .from(policyDocuments)
      .where(and(eq(policyDocuments.tenantId, tenantId), inArray(policyDocuments.scopeId, scopeIds)));
    const fragments = fragmentsByWorkspace({
      fragments: await loadFragments(db, tenantId, unique([workspaceId, defaultWorkspaceId])),
    });
    const pipelines = buildPipelines({
      tenantId,
      defaultWorkspaceId,
      documents,
      fragments,
      operations: [{ id: operation.id, apiId: api.id, workspaceId }],
      productsByApi: new Map([[api.id, product ? [product.id] : []]]),
    });
    // A product without a document of its own runs the operation's plain pipeline, as on a gateway.
    const pipeline = pipelines.find((p) => p.productId === (product?.id ?? '')) ?? pipelines[0]!;

    const names = referencedNames([pipeline]);
    const valueRows =
      names.size === 0
        ? []
        : await db
            .select()
            .from(namedValues)
            .where(
              and(
                eq(namedValues.tenantId, tenantId),
                inArray(namedValues.name, [...names]),
                or(eq(namedValues.workspaceId, workspaceId), eq(namedValues.workspaceId, defaultWorkspaceId)),
              ),
            );
    const box = new SecretBox(ctx.deps.config.secretKey);
    const selected = selectNamedValues(valueRows, names, unique([workspaceId, defaultWorkspaceId]), box);
    const secretNames = new Set(valueRows.filter((row) => row.secret).map((row) => row.name));
    const protoApi = toApi(api, undefined, [operation]);

    try {
      return await tracePipeline({
        pipeline,
        api: protoApi,
        operation: protoApi.operations[0],
        namedValues: new Map(selected.map((value) => [value.name, value.value])),
        secrets: selected.filter((value) => secretNames.has(value.name)).map((value) => value.value),
        request: {
          method: input.request.method ?? operation.method,
          path,
          params,
          ...(input.request.query === undefined ? {} : { query: input.request.query }),
          ...(input.request.headers === undefined ? {} : { headers: input.request.headers }),
          ...(input.request.body === undefined ? {} : { body: input.request.body }),
          ...(input.request.ip === undefined ? {} : { ip: input.request.ip }),
        },
        backendResponse: {
          status: input.backendResponse.status,
          ...(input.backendResponse.headers === undefined ? {} : { headers: input.backendResponse.headers }),
          ...(input.backendResponse.body === undefined ? {} : { body: input.backendResponse.body }),
        },
        context: {
          api: {
            id: api.id,
            name: api.name,
            path: api.path,
            type: api.type,
            version: api.apiVersion ?? '',
            revision: '1',
            serviceUrl: '',
          },
          operation: { id: operation.id, name: operation.name, method: operation.method, urlTemplate: operation.urlTemplate },
          ...(product
            ? {
                product: {
                  id: product.id,
                  name: product.name,
                  subscriptionRequired: product.subscriptionRequired,
                  approvalRequired: product.approvalRequired,
                },
              }
            : {}),
          ...(subscription
            ? {
                subscription: {
                  id: subscription.id,
                  name: subscription.displayName,
                  state: SUBSCRIPTION_STATES[subscription.state] ?? 'unspecified',
                },
              }
            : {}),
        },
      });
    } catch (error) {
      // The documents were valid when written; what no longer compiles (a named value now
      // missing, a policy without a runtime) is what a gateway would NACK: say so precisely.
      if (error instanceof PipelineCompileError) throw invalidField('policy', error.message);
      throw error;
    }
  });
