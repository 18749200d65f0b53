import { sql } from 'drizzle-orm';
import { boolean, check, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, tenantId, timestamps, version } from './columns.js';
import { workspaces } from './tenancy.js';

/** Outer to inner; `base` in an inner document marks where the outer one's statements run. */
export const POLICY_SCOPES = ['global', 'workspace', 'product', 'api', 'operation'] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];

export const POLICY_FORMATS = ['json', 'yaml'] as const;
export type PolicyFormat = (typeof POLICY_FORMATS)[number];

export const POLICY_SECTIONS = ['inbound', 'backend', 'outbound', 'on-error'] as const;
export type PolicySection = (typeof POLICY_SECTIONS)[number];

/**
 * One statement, `{ "<policy-name>": config }`. Loosely typed here: the gateway's policy
 * schemas validate documents at write time, and the database need not know them.
 */
export type PolicyStatement = Record<string, unknown>;
export type PolicyDocumentBody = Partial<Record<PolicySection, PolicyStatement[]>>;

/**
 * The document for one scope. `scope_id` is the id of what it is attached to: the tenant for
 * `global`, else the workspace, product, API or operation. Not a foreign key (polymorphic):
 * deleting the target deletes its document in the same transaction.
 */
export const policyDocuments = pgTable(
  'policy_documents',
  {
    id: id(),
    tenantId: tenantId(),
    /** Null only for `global`. */
    workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    scope: text('scope', { enum: POLICY_SCOPES }).notNull(),
    scopeId: text('scope_id').notNull(),
    format: text('format', { enum: POLICY_FORMATS }).notNull(),
    /** As the author wrote it (comments, key order), so reads round-trip; `document` is what gets compiled. */
    source: text('source').notNull(),
    document: jsonb('document').$type<PolicyDocumentBody>().notNull(),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('policy_documents_tenant_scope_scope_id_key').on(t.tenantId, t.scope, t.scopeId),
    index('policy_documents_tenant_workspace_idx').on(t.tenantId, t.workspaceId),
    check(
      'policy_documents_global_check',
      sql`(${t.scope} = 'global') = (${t.workspaceId} is null) and (${t.scope} <> 'global' or ${t.scopeId} = ${t.tenantId})`,
    ),
  ],
);

/** Named statement lists pulled in by `include-fragment`; inlined when a revision is compiled. */
export const policyFragments = pgTable(
  'policy_fragments',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    format: text('format', { enum: POLICY_FORMATS }).notNull(),
    source: text('source').notNull(),
    statements: jsonb('statements').$type<PolicyStatement[]>().notNull(),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('policy_fragments_workspace_name_key').on(t.workspaceId, t.name),
    index('policy_fragments_tenant_workspace_idx').on(t.tenantId, t.workspaceId),
  ],
);

/**
 * `{{name}}` in policies. A secret's value is sealed (AES-256-GCM) and never returned in clear;
 * the check below keeps a secret from ever landing in `value`.
 */
export const namedValues = pgTable(
  'named_values',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    secret: boolean('secret').notNull().default(false),
    value: text('value'),
    sealedValue: text('sealed_value'),
    tags: text('tags').array().notNull().default([]),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('named_values_workspace_name_key').on(t.workspaceId, t.name),
    index('named_values_tenant_workspace_idx').on(t.tenantId, t.workspaceId),
    check(
      'named_values_secret_check',
      sql`case when ${t.secret} then ${t.value} is null and ${t.sealedValue} is not null else ${t.value} is not null and ${t.sealedValue} is null end`,
    ),
  ],
);
