import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId } from './columns.js';

/** Who changed what, when, with a diff. Written in the same transaction as the change. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    tenantId: tenantId(),
    workspaceId: text('workspace_id'),
    /** `usr_…`, or null for the system (seeding, expiry). */
    actorId: text('actor_id'),
    /** How the actor came in: session, token (pat_…), system. */
    actorVia: text('actor_via').notNull(),
    /** `<area>.<verb>`, e.g. `workspace.create`. */
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    /** Changed fields, `{ field: [before, after] }`; secrets are never recorded. */
    diff: jsonb('diff').$type<Record<string, [unknown, unknown]>>().notNull().default({}),
    ip: text('ip'),
    requestId: text('request_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_log_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('audit_log_tenant_target_idx').on(t.tenantId, t.targetId),
  ],
);
