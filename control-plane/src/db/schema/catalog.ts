import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, tenantId, timestamps, version } from './columns.js';
import { users } from './identity.js';
import { workspaces } from './tenancy.js';

/** Output of `SecretBox.seal` (`v1.<nonce>.<ciphertext>.<tag>`); never a secret in clear. */
export type SealedString = string;

const workspaceId = () =>
  text('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' });

export const API_TYPES = ['http', 'websocket', 'graphql', 'grpc', 'soap'] as const;
export type ApiType = (typeof API_TYPES)[number];

export const API_PROTOCOLS = ['http', 'https', 'ws', 'wss'] as const;
export type ApiProtocol = (typeof API_PROTOCOLS)[number];

export const API_SPEC_FORMATS = [
  'openapi-json',
  'openapi-yaml',
  'swagger-json',
  'swagger-yaml',
  'wsdl',
  'odata-csdl',
  'graphql-sdl',
  'protobuf',
] as const;
export type ApiSpecFormat = (typeof API_SPEC_FORMATS)[number];

/** Where the version goes in the request: `/path/v2/...`, a header, or a query parameter (as in Azure). */
export const VERSIONING_SCHEMES = ['segment', 'header', 'query'] as const;
export type VersioningScheme = (typeof VERSIONING_SCHEMES)[number];

export const apiVersionSets = pgTable(
  'api_version_sets',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    versioningScheme: text('versioning_scheme', { enum: VERSIONING_SCHEMES }).notNull().default('segment'),
    /** Set only for the `header` / `query` schemes. */
    versionHeaderName: text('version_header_name'),
    versionQueryName: text('version_query_name'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('api_version_sets_workspace_name_key').on(t.workspaceId, t.name),
    index('api_version_sets_tenant_workspace_idx').on(t.tenantId, t.workspaceId),
  ],
);

export const LOAD_BALANCING = ['round-robin', 'weighted', 'priority', 'least-requests'] as const;
export type LoadBalancing = (typeof LOAD_BALANCING)[number];

/** `weight` is used by `weighted`; `priority` (lower first) by `priority`, falling over when a group is unhealthy. */
export interface BackendTarget {
  url: string;
  weight?: number;
  priority?: number;
}

export interface BackendRetry {
  count: number;
  intervalMs: number;
  /** Doubles the interval each attempt, capped here. */
  maxIntervalMs?: number;
  onStatusCodes?: number[];
  onConnectionError?: boolean;
}

/** Trips after `failures` matching responses within `windowMs`; stays open for `tripMs`. */
export interface BackendCircuitBreaker {
  failures: number;
  windowMs: number;
  tripMs: number;
  statusCodes?: number[];
  /** Honour the backend's Retry-After instead of `tripMs`. */
  acceptRetryAfter?: boolean;
}

/** Added to every request to the backend. All values are sealed: they often carry API keys. */
export interface BackendCredentials {
  headers?: Record<string, SealedString>;
  query?: Record<string, SealedString>;
  authorization?: { scheme: string; parameter: SealedString };
  basic?: { username: string; password: SealedString };
  /** mTLS to the backend: names of the workspace's secret named values holding the PEM certificate (chain) and key. */
  clientCertificate?: { certificate: string; privateKey: string };
}

export const backends = pgTable(
  'backends',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Exactly one of `url` and `pool` is set (checked below). */
    url: text('url'),
    pool: jsonb('pool').$type<BackendTarget[]>(),
    loadBalancing: text('load_balancing', { enum: LOAD_BALANCING }).notNull().default('round-robin'),
    connectTimeoutMs: integer('connect_timeout_ms').notNull().default(5_000),
    requestTimeoutMs: integer('request_timeout_ms').notNull().default(60_000),
    /** Null: no retries / no circuit breaker. */
    retry: jsonb('retry').$type<BackendRetry>(),
    circuitBreaker: jsonb('circuit_breaker').$type<BackendCircuitBreaker>(),
    credentials: jsonb('credentials').$type<BackendCredentials>().notNull().default({}),
    tlsVerify: boolean('tls_verify').notNull().default(true),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('backends_workspace_name_key').on(t.workspaceId, t.name),
    index('backends_tenant_workspace_idx').on(t.tenantId, t.workspaceId),
    check('backends_url_or_pool_check', sql`(${t.url} is null) <> (${t.pool} is null)`),
  ],
);

export const apis = pgTable(
  'apis',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** URL suffix on the gateway, without leading or trailing slash; '' is the root. */
    path: text('path').notNull(),
    type: text('type', { enum: API_TYPES }).notNull().default('http'),
    /** 'no action' so a backend or version set in use cannot be deleted, yet workspace/tenant cascades still work. */
    backendId: text('backend_id').references(() => backends.id, { onDelete: 'no action' }),
    subscriptionRequired: boolean('subscription_required').notNull().default(true),
    subscriptionKeyHeaderName: text('subscription_key_header_name').notNull().default('Ocp-Apim-Subscription-Key'),
    subscriptionKeyQueryName: text('subscription_key_query_name').notNull().default('subscription-key'),
    versionSetId: text('version_set_id').references(() => apiVersionSets.id, { onDelete: 'no action' }),
    /** The API's version within its set ('' when unversioned); not to be confused with `version` (the etag). */
    apiVersion: text('api_version').notNull().default(''),
    protocols: text('protocols', { enum: API_PROTOCOLS }).array().notNull().default(['https']),
    /** Host names the gateway serves the API on (lower case, `*.example.com` for one label); empty = any host. */
    hostnames: text('hostnames').array().notNull().default([]),
    /** The imported spec byte for byte, so export returns what was imported. */
    sourceFormat: text('source_format', { enum: API_SPEC_FORMATS }),
    sourceText: text('source_text'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    // Gateways route on path + version across the whole tenant, so the pair must be unique there.
    uniqueIndex('apis_tenant_path_version_key').on(t.tenantId, t.path, t.apiVersion),
    index('apis_tenant_workspace_idx').on(t.tenantId, t.workspaceId),
    index('apis_version_set_idx').on(t.versionSetId),
    index('apis_backend_idx').on(t.backendId),
    check('apis_version_set_check', sql`${t.versionSetId} is not null or ${t.apiVersion} = ''`),
    check('apis_source_check', sql`(${t.sourceFormat} is null) = (${t.sourceText} is null)`),
  ],
);

/** What a revision captured: enough to restore the API, its operations and their policies. */
export interface ApiRevisionSnapshot {
  api: Record<string, unknown>;
  operations: Record<string, unknown>[];
  policies: Record<string, unknown>[];
}

/**
 * The live `apis`/`operations` rows are the current revision; other revisions are snapshots.
 * Making one current restores its snapshot into the live rows in the same transaction.
 */
export const apiRevisions = pgTable(
  'api_revisions',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: workspaceId(),
    apiId: text('api_id')
      .notNull()
      .references(() => apis.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    description: text('description').notNull().default(''),
    isCurrent: boolean('is_current').notNull().default(false),
    snapshot: jsonb('snapshot').$type<ApiRevisionSnapshot>().notNull(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('api_revisions_api_revision_key').on(t.apiId, t.revision),
    uniqueIndex('api_revisions_api_current_key')
      .on(t.apiId)
      .where(sql`${t.isCurrent}`),
    index('api_revisions_tenant_api_idx').on(t.tenantId, t.apiId),
  ],
);

/** Schemas are JSON Schema; examples are keyed by name, as in OpenAPI. */
export interface OperationRepresentation {
  contentType: string;
  schema?: unknown;
  examples?: Record<string, unknown>;
}

export interface OperationParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema?: unknown;
}

export interface OperationRequest {
  description?: string;
  required?: boolean;
  representations: OperationRepresentation[];
}

export interface OperationResponse {
  /** A status code, or 'default' for any other. */
  status: number | 'default';
  description?: string;
  headers?: OperationParameter[];
  representations?: OperationRepresentation[];
}

/** How a non-REST operation maps to its protocol; null for plain HTTP operations. */
export type OperationBinding =
  | {
      kind: 'soap';
      soapAction: string;
      soapVersion: '1.1' | '1.2';
      style: 'document' | 'rpc';
      inputElement?: string;
      outputElement?: string;
    }
  | {
      kind: 'grpc';
      service: string;
      method: string;
      clientStreaming: boolean;
      serverStreaming: boolean;
      inputType: string;
      outputType: string;
    }
  | { kind: 'graphql'; operationType: 'query' | 'mutation' | 'subscription'; field: string }
  | {
      kind: 'odata';
      /** For function and action imports: the entity set they return, or ''. */
      entitySet: string;
      entityType: string;
      action: 'list' | 'get' | 'create' | 'update' | 'delete' | 'function' | 'action';
      /** The function or action import's name. */
      callable?: string;
    }
  | { kind: 'websocket' };

export const operations = pgTable(
  'operations',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: workspaceId(),
    apiId: text('api_id')
      .notNull()
      .references(() => apis.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Upper-case and free-form (custom methods exist); gRPC calls are `POST /pkg.Service/Method`. */
    method: text('method').notNull(),
    /** Relative to the API path, e.g. `/users/{id}`. */
    urlTemplate: text('url_template').notNull(),
    parameters: jsonb('parameters').$type<OperationParameter[]>().notNull().default([]),
    request: jsonb('request').$type<OperationRequest>(),
    responses: jsonb('responses').$type<OperationResponse[]>().notNull().default([]),
    binding: jsonb('binding').$type<OperationBinding>(),
    /** Grouping labels from the source spec (OpenAPI tags). */
    tags: text('tags').array().notNull().default([]),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('operations_api_method_url_template_key').on(t.apiId, t.method, t.urlTemplate),
    index('operations_tenant_api_idx').on(t.tenantId, t.apiId),
  ],
);
