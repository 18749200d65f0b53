import { bigint, boolean, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, timestamps, version } from './columns.js';
import { users } from './identity.js';
import { TENANT_ROLES, WORKSPACE_ROLES } from './roles.js';

export const PLANS = ['free', 'team', 'enterprise'] as const;

export const tenants = pgTable(
  'tenants',
  {
    id: id(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    plan: text('plan', { enum: PLANS }).notNull().default('free'),
    /** Plan limits (workspaces, apis, gateways, requests per month); null fields mean the plan default. */
    limits: jsonb('limits').$type<Partial<Record<string, number>>>().notNull().default({}),
    /** Monotonic config revision: bumped in the same transaction as any change a gateway must see. */
    configRevision: bigint('config_revision', { mode: 'number' }).notNull().default(0),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('tenants_slug_key').on(t.slug)],
);

export const tenantMembers = pgTable(
  'tenant_members',
  {
    id: id(),
    tenantId: tenantId(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: TENANT_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('tenant_members_tenant_user_key').on(t.tenantId, t.userId), index('tenant_members_user_idx').on(t.userId)],
);

export const workspaces = pgTable(
  'workspaces',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description').notNull().default(''),
    isDefault: boolean('is_default').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('workspaces_tenant_slug_key').on(t.tenantId, t.slug)],
);

export const workspaceMembers = pgTable(
  'workspace_members',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: WORKSPACE_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('workspace_members_ws_user_key').on(t.workspaceId, t.userId),
    index('workspace_members_tenant_user_idx').on(t.tenantId, t.userId),
  ],
);
