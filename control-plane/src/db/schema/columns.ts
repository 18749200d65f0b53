import { integer, text, timestamp } from 'drizzle-orm/pg-core';
import { tenants } from './tenancy.js';

/** Shared column builders so every table spells ids, tenancy and timestamps the same way. */
export const id = () => text('id').primaryKey();

/** Every tenant-owned row carries tenant_id; deleting a tenant removes all it owns. */
export const tenantId = () =>
  text('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

/** Millisecond precision, as in JS: list cursors carry a timestamp and must compare exactly. */
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
export const createdAt = () => at('created_at').notNull().defaultNow();
export const updatedAt = () => at('updated_at').notNull().defaultNow();

/** Optimistic concurrency: updates carry the version they read and bump it (exposed as an etag). */
export const version = () => integer('version').notNull().default(1);

export const timestamps = () => ({ createdAt: createdAt(), updatedAt: updatedAt() });
