import { bigint, index, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { apis } from './catalog.js';
import { at, createdAt, id, tenantId, timestamps, version } from './columns.js';
import { users } from './identity.js';

/**
 * A named fleet of gateway instances (one location, e.g. "eu-west on-prem"), tenant-wide.
 * Its id is a NATS subject token (`portico.cfg.<tenant>.<gateway>`), hence lowercase ids only.
 */
export const gateways = pgTable(
  'gateways',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    location: text('location').notNull().default(''),
    description: text('description').notNull().default(''),
    version: version(),
    ...timestamps(),
    /**
     * What its agents were last told to run (by a delta or a snapshot), written by the config
     * publisher of whichever replica published it: an instance whose hash equals
     * `published_hash` runs the current config. Null until something was published.
     */
    publishedRevision: bigint('published_revision', { mode: 'number' }),
    publishedHash: text('published_hash'),
    publishedAt: at('published_at'),
  },
  (t) => [uniqueIndex('gateways_tenant_name_key').on(t.tenantId, t.name)],
);

/** A gateway serves only the APIs assigned to it. */
export const gatewayApis = pgTable(
  'gateway_apis',
  {
    id: id(),
    tenantId: tenantId(),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    apiId: text('api_id')
      .notNull()
      .references(() => apis.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('gateway_apis_gateway_api_key').on(t.gatewayId, t.apiId),
    index('gateway_apis_tenant_api_idx').on(t.tenantId, t.apiId),
  ],
);

/** What an agent presents to get its NATS credentials. Shown once; only the SHA-256 is kept. Always expires. */
export const gatewayTokens = pgTable(
  'gateway_tokens',
  {
    id: id(),
    tenantId: tenantId(),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    tokenHash: text('token_hash').notNull(),
    prefix: text('prefix').notNull(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    lastUsedAt: at('last_used_at'),
  },
  (t) => [
    uniqueIndex('gateway_tokens_token_hash_key').on(t.tokenHash),
    index('gateway_tokens_tenant_gateway_idx').on(t.tenantId, t.gatewayId),
  ],
);

/**
 * What the agent says of itself (proto `fleet.v1.Health`): `healthy` is serving from the control
 * plane's config, `serving-from-backup` from its on-disk copy while the control plane or NATS is
 * unreachable, `unknown` when it did not say. `degraded` and `unhealthy` are kept for rows written
 * before heartbeats carried the proto enum; agents do not report them.
 */
export const INSTANCE_HEALTH = [
  'healthy',
  'serving-from-backup',
  'starting',
  'draining',
  'unknown',
  'degraded',
  'unhealthy',
] as const;
export type InstanceHealth = (typeof INSTANCE_HEALTH)[number];

/**
 * One running agent, upserted from heartbeats and apply results (no etag: only machines write
 * it). In sync / behind / failed / gone is derived from `config_hash` against the gateway's
 * `published_hash`, the NACK and `last_heartbeat_at` (modules/gateways/instance-status.ts).
 */
export const gatewayInstances = pgTable(
  'gateway_instances',
  {
    id: id(),
    tenantId: tenantId(),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    /** The instance id the agent reports in heartbeats. */
    instanceKey: text('instance_key').notNull(),
    hostname: text('hostname').notNull().default(''),
    agentVersion: text('agent_version').notNull().default(''),
    appliedRevision: bigint('applied_revision', { mode: 'number' }),
    configHash: text('config_hash'),
    /** The last revision the agent could not apply and why; it keeps serving `applied_revision`. */
    nackRevision: bigint('nack_revision', { mode: 'number' }),
    nackReason: text('nack_reason'),
    health: text('health', { enum: INSTANCE_HEALTH }).notNull().default('healthy'),
    counters: jsonb('counters').$type<Record<string, number>>().notNull().default({}),
    createdAt: createdAt(),
    lastHeartbeatAt: at('last_heartbeat_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('gateway_instances_gateway_instance_key_key').on(t.gatewayId, t.instanceKey),
    index('gateway_instances_tenant_gateway_idx').on(t.tenantId, t.gatewayId),
    // For reaping instances that stopped sending heartbeats.
    index('gateway_instances_last_heartbeat_idx').on(t.lastHeartbeatAt),
  ],
);

/**
 * Fleet-wide quota counters (DESIGN §7): what the lease service has granted to a gateway's
 * agents in the current period of each counter, and the body bytes they reported. The row lock
 * taken by the lease upsert serialises grants across control-plane replicas. `counter` is the
 * agent's (statement id and key), opaque here.
 */
export const quotaCounters = pgTable(
  'quota_counters',
  {
    tenantId: tenantId(),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    counter: text('counter').notNull(),
    periodStartMs: bigint('period_start_ms', { mode: 'number' }).notNull(),
    /** When the period ends (Unix ms); null when it never does. Old rows are pruned after it. */
    periodEndMs: bigint('period_end_ms', { mode: 'number' }),
    grantedCalls: bigint('granted_calls', { mode: 'number' }).notNull().default(0),
    usedBytes: bigint('used_bytes', { mode: 'number' }).notNull().default(0),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.gatewayId, t.counter] }),
    index('quota_counters_period_end_idx').on(t.periodEndMs),
  ],
);
