import { index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { at, createdAt, id, tenantId, timestamps } from './columns.js';
import { TENANT_ROLES, WORKSPACE_ROLES } from './roles.js';
import { tenants, workspaces } from './tenancy.js';

/** A global identity; tenant access comes from tenant_members. Email is stored lowercased. */
export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

/** Browser sessions. The cookie carries the token; only its SHA-256 is stored. */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    tokenHash: text('token_hash').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The tenant the session acts in; switchable among the user's memberships. */
    tenantId: text('tenant_id').references(() => tenants.id, { onDelete: 'set null' }),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash), index('sessions_user_idx').on(t.userId)],
);

/** Personal access tokens act as their user inside one tenant. Shown once; stored hashed. */
export const personalAccessTokens = pgTable(
  'personal_access_tokens',
  {
    id: id(),
    tenantId: tenantId(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** First characters of the token, so a user can tell tokens apart without the secret. */
    prefix: text('prefix').notNull(),
    createdAt: createdAt(),
    lastUsedAt: at('last_used_at'),
    expiresAt: at('expires_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [
    uniqueIndex('personal_access_tokens_hash_key').on(t.tokenHash),
    index('personal_access_tokens_tenant_user_idx').on(t.tenantId, t.userId),
  ],
);

export const INVITATION_STATES = ['pending', 'accepted', 'revoked'] as const;

export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    tenantId: tenantId(),
    email: text('email').notNull(),
    role: text('role', { enum: TENANT_ROLES }).notNull(),
    /** Optional workspace grant applied on acceptance. */
    workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    workspaceRole: text('workspace_role', { enum: WORKSPACE_ROLES }),
    tokenHash: text('token_hash').notNull(),
    state: text('state', { enum: INVITATION_STATES }).notNull().default('pending'),
    invitedBy: text('invited_by').references(() => users.id, { onDelete: 'set null' }),
    acceptedBy: text('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
    acceptedAt: at('accepted_at'),
  },
  (t) => [uniqueIndex('invitations_token_hash_key').on(t.tokenHash), index('invitations_tenant_idx').on(t.tenantId, t.state)],
);

/**
 * Outgoing e-mail. Written in the same transaction as the change that causes it, delivered
 * by the mailer afterwards. The body holds links with secrets, so it is sealed (AES-256-GCM).
 */
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: id(),
    tenantId: text('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    sealedBody: text('sealed_body').notNull(),
    /** What caused it, e.g. `invitation:inv_…` (never the secret). */
    reason: text('reason').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: at('sent_at'),
  },
  (t) => [index('email_outbox_unsent_idx').on(t.sentAt, t.createdAt)],
);

/**
 * Failed sign-in counters, keyed `account:<email>` or `ip:<address>`. In Postgres (not memory)
 * so limits hold across control-plane replicas and restarts.
 */
export const authThrottle = pgTable('auth_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  windowStartedAt: at('window_started_at').notNull().defaultNow(),
  lockedUntil: at('locked_until'),
});
