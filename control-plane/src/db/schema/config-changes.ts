import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, tenantId } from './columns.js';

/** Entities a gateway's config is built from; named after their tables, singular. */
export const CONFIG_ENTITY_TYPES = [
  'api',
  'api_version_set',
  'operation',
  'backend',
  'product',
  'product_api',
  'subscription',
  'policy_document',
  'policy_fragment',
  'named_value',
  'gateway',
  'gateway_api',
] as const;
export type ConfigEntityType = (typeof CONFIG_ENTITY_TYPES)[number];

export const CONFIG_CHANGE_OPS = ['upsert', 'delete'] as const;
export type ConfigChangeOp = (typeof CONFIG_CHANGE_OPS)[number];

/**
 * Written in the same transaction as the mutation, with the revision just taken from
 * `tenants.config_revision`. Taking it locks the tenant row until commit, so revisions become
 * visible in order and the compiler's `revision > last published` never skips a late commit.
 * Several mutations of one entity in one transaction collapse into one row (upsert on the key).
 * Keyed by its natural key instead of an `id`: nothing refers to a change row.
 */
export const configChanges = pgTable(
  'config_changes',
  {
    tenantId: tenantId(),
    revision: bigint('revision', { mode: 'number' }).notNull(),
    entityType: text('entity_type', { enum: CONFIG_ENTITY_TYPES }).notNull(),
    entityId: text('entity_id').notNull(),
    op: text('op', { enum: CONFIG_CHANGE_OPS }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ name: 'config_changes_pkey', columns: [t.tenantId, t.revision, t.entityType, t.entityId] })],
);
