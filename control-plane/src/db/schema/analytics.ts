import { sql } from 'drizzle-orm';
import { bigint, check, doublePrecision, index, integer, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core';
import { at, tenantId } from './columns.js';
import { gateways } from './fleet.js';

/**
 * One row per ingested JetStream batch: ingest inserts it in the same transaction as the rollups
 * and skips the batch on conflict, so a redelivery after a crash is counted once.
 */
export const telemetryBatches = pgTable(
  'telemetry_batches',
  {
    /** The batch id the gateway assigned (`tel_…`). */
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    gatewayId: text('gateway_id')
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    instanceKey: text('instance_key').notNull(),
    eventCount: integer('event_count').notNull(),
    receivedAt: at('received_at').notNull().defaultNow(),
  },
  // Rows only matter while JetStream could still redeliver; pruned by age.
  (t) => [index('telemetry_batches_received_at_idx').on(t.receivedAt)],
);

/**
 * Upper bounds (ms, inclusive) of the latency histogram buckets, ~1.6x apart (percentiles within
 * ~25%). `latency_buckets` has one more entry, for anything slower. Changing them needs a migration.
 */
export const LATENCY_BUCKET_BOUNDS_MS = [
  1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 130, 200, 300, 500, 800, 1300, 2000, 3000, 5000, 8000, 13000, 20000, 30000, 60000,
] as const;

const dimension = (name: string) => text(name).notNull().default('');

/**
 * Per-minute rollups. Dimensions use '' rather than null when absent (no API matched, open
 * product, no key) so the key below can be an upsert target; counters are added on conflict and
 * `latency_buckets` element-wise. Ids are not foreign keys: history outlives deleted entities.
 */
export const analyticsMinute = pgTable(
  'analytics_minute',
  {
    tenantId: tenantId(),
    /** Start of the minute (UTC, truncated). */
    minute: at('minute').notNull(),
    apiId: dimension('api_id'),
    operationId: dimension('operation_id'),
    productId: dimension('product_id'),
    subscriptionId: dimension('subscription_id'),
    gatewayId: dimension('gateway_id'),
    /** 0 when no response was sent (client went away). */
    statusCode: smallint('status_code').notNull().default(0),
    requests: integer('requests').notNull().default(0),
    /** Requests that ended with a gateway error reason or a 5xx. */
    errors: integer('errors').notNull().default(0),
    bytesIn: bigint('bytes_in', { mode: 'number' }).notNull().default(0),
    bytesOut: bigint('bytes_out', { mode: 'number' }).notNull().default(0),
    latencyMsSum: doublePrecision('latency_ms_sum').notNull().default(0),
    latencyMsMax: doublePrecision('latency_ms_max').notNull().default(0),
    /** Time spent waiting on the backend; total minus this is the gateway's own overhead. */
    backendLatencyMsSum: doublePrecision('backend_latency_ms_sum').notNull().default(0),
    latencyBuckets: integer('latency_buckets').array().notNull(),
  },
  (t) => [
    primaryKey({
      name: 'analytics_minute_pkey',
      columns: [t.tenantId, t.minute, t.apiId, t.operationId, t.productId, t.subscriptionId, t.gatewayId, t.statusCode],
    }),
    index('analytics_minute_tenant_api_minute_idx').on(t.tenantId, t.apiId, t.minute),
    index('analytics_minute_tenant_subscription_minute_idx').on(t.tenantId, t.subscriptionId, t.minute),
    check(
      'analytics_minute_latency_buckets_check',
      sql`cardinality(${t.latencyBuckets}) = ${sql.raw(String(LATENCY_BUCKET_BOUNDS_MS.length + 1))}`,
    ),
  ],
);
