import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { apis } from './catalog.js';
import { at, createdAt, id, tenantId, timestamps, version } from './columns.js';
import { users } from './identity.js';
import { workspaces } from './tenancy.js';

/**
 * `guests` are anonymous portal visitors, `developers` signed-in portal users, `administrators`
 * the tenant's admins. Created with the tenant; they cannot be renamed away or deleted.
 */
export const BUILT_IN_GROUPS = ['administrators', 'developers', 'guests'] as const;
export type BuiltInGroup = (typeof BUILT_IN_GROUPS)[number];

/** Tenant-wide, not per workspace: the developer portal is the tenant's. */
export const groups = pgTable(
  'groups',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Which built-in group this is; null for custom groups. */
    builtIn: text('built_in', { enum: BUILT_IN_GROUPS }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('groups_tenant_name_key').on(t.tenantId, t.name),
    uniqueIndex('groups_tenant_built_in_key')
      .on(t.tenantId, t.builtIn)
      .where(sql`${t.builtIn} is not null`),
  ],
);

export const groupMembers = pgTable(
  'group_members',
  {
    id: id(),
    tenantId: tenantId(),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('group_members_group_user_key').on(t.groupId, t.userId),
    index('group_members_tenant_user_idx').on(t.tenantId, t.userId),
  ],
);

export const PRODUCT_STATES = ['unpublished', 'published'] as const;
export type ProductState = (typeof PRODUCT_STATES)[number];

export const products = pgTable(
  'products',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** false = open: callers need no key (and get no per-subscription limits). */
    subscriptionRequired: boolean('subscription_required').notNull().default(true),
    state: text('state', { enum: PRODUCT_STATES }).notNull().default('unpublished'),
    approvalRequired: boolean('approval_required').notNull().default(false),
    /** Most subscriptions one user may hold to this product; null = no limit. */
    subscriptionsLimit: integer('subscriptions_limit'),
    /** Shown to developers, who must accept them to subscribe; '' = none. */
    terms: text('terms').notNull().default(''),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('products_workspace_name_key').on(t.workspaceId, t.name),
    index('products_tenant_workspace_idx').on(t.tenantId, t.workspaceId),
    // Approval and limits only mean something when subscribing is required (as in Azure).
    check('products_approval_check', sql`${t.subscriptionRequired} or not ${t.approvalRequired}`),
    check('products_subscriptions_limit_check', sql`${t.subscriptionsLimit} is null or ${t.subscriptionsLimit} > 0`),
  ],
);

export const productApis = pgTable(
  'product_apis',
  {
    id: id(),
    tenantId: tenantId(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    apiId: text('api_id')
      .notNull()
      .references(() => apis.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('product_apis_product_api_key').on(t.productId, t.apiId),
    index('product_apis_tenant_api_idx').on(t.tenantId, t.apiId),
  ],
);

/** Which groups see a product in the portal (and so may subscribe to it). */
export const productGroups = pgTable(
  'product_groups',
  {
    id: id(),
    tenantId: tenantId(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('product_groups_product_group_key').on(t.productId, t.groupId),
    index('product_groups_tenant_group_idx').on(t.tenantId, t.groupId),
  ],
);

export const SUBSCRIPTION_SCOPE_KINDS = ['product', 'api', 'all_apis'] as const;
export type SubscriptionScopeKind = (typeof SUBSCRIPTION_SCOPE_KINDS)[number];

export const SUBSCRIPTION_STATES = ['submitted', 'active', 'suspended', 'rejected', 'cancelled', 'expired'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

/**
 * Keys are 256-bit random, shown once, stored as SHA-256 hex. The scope is polymorphic (no FK):
 * deleting a product or API must delete or cancel its subscriptions in the same transaction.
 */
export const subscriptions = pgTable(
  'subscriptions',
  {
    id: id(),
    tenantId: tenantId(),
    /** The scoped entity's workspace, for workspace RBAC. For `all_apis`: null = every API of the tenant. */
    workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    /** Null for keys an admin made for a service rather than a person. Deleting the user revokes them. */
    ownerId: text('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    scopeKind: text('scope_kind', { enum: SUBSCRIPTION_SCOPE_KINDS }).notNull(),
    /** `prd_…` or `api_…`; null for `all_apis`. */
    scopeId: text('scope_id'),
    displayName: text('display_name').notNull(),
    state: text('state', { enum: SUBSCRIPTION_STATES }).notNull().default('submitted'),
    /** Why it was rejected or suspended; shown to the owner. */
    stateComment: text('state_comment'),
    primaryKeyHash: text('primary_key_hash').notNull(),
    secondaryKeyHash: text('secondary_key_hash').notNull(),
    primaryKeyPrefix: text('primary_key_prefix').notNull(),
    secondaryKeyPrefix: text('secondary_key_prefix').notNull(),
    expiresAt: at('expires_at'),
    stateChangedAt: at('state_changed_at').notNull().defaultNow(),
    /** First activation. */
    activatedAt: at('activated_at'),
    /** When it reached rejected, cancelled or expired. */
    endedAt: at('ended_at'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('subscriptions_primary_key_hash_key').on(t.primaryKeyHash),
    uniqueIndex('subscriptions_secondary_key_hash_key').on(t.secondaryKeyHash),
    index('subscriptions_tenant_owner_idx').on(t.tenantId, t.ownerId),
    index('subscriptions_tenant_scope_idx').on(t.tenantId, t.scopeKind, t.scopeId),
    index('subscriptions_tenant_workspace_idx').on(t.tenantId, t.workspaceId),
    // For the expiry sweeper.
    index('subscriptions_expires_at_idx')
      .on(t.expiresAt)
      .where(sql`${t.state} = 'active' and ${t.expiresAt} is not null`),
    check('subscriptions_scope_check', sql`(${t.scopeKind} = 'all_apis') = (${t.scopeId} is null)`),
    check('subscriptions_workspace_check', sql`${t.scopeKind} = 'all_apis' or ${t.workspaceId} is not null`),
  ],
);
