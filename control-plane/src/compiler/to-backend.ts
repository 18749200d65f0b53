import { create } from '@bufbuild/protobuf';
import { BackendSchema, CircuitBreakerSchema, LoadBalancing, RetrySchema, TargetSchema, type Backend } from '@portico/proto';
import type { backends, namedValues } from '../db/schema/index.js';
import type { SecretBox } from '../lib/secrets.js';
import { decryptCredentials } from './decrypt-credentials.js';

type BackendRow = typeof backends.$inferSelect;

const LOAD_BALANCING: Record<BackendRow['loadBalancing'], LoadBalancing> = {
  'round-robin': LoadBalancing.ROUND_ROBIN,
  weighted: LoadBalancing.WEIGHTED,
  priority: LoadBalancing.PRIORITY,
  'least-requests': LoadBalancing.LEAST_REQUESTS,
};

export function toBackend(
  row: BackendRow,
  box: SecretBox,
  workspaceValues: Map<string, typeof namedValues.$inferSelect>,
): Backend {
  // Pool order is kept: with equal priorities it is the author's failover order.
  const targets = row.url !== null ? [{ url: row.url }] : (row.pool ?? []);
  const { retry, circuitBreaker } = row;
  return create(BackendSchema, {
    id: row.id,
    // A target that omits them weighs 1 (the least allowed) and is in the first priority group.
    targets: targets.map((t) => create(TargetSchema, { url: t.url, weight: t.weight ?? 1, priority: t.priority ?? 0 })),
    loadBalancing: LOAD_BALANCING[row.loadBalancing],
    connectTimeoutMs: row.connectTimeoutMs,
    requestTimeoutMs: row.requestTimeoutMs,
    retry: retry
      ? create(RetrySchema, {
          count: retry.count,
          intervalMs: retry.intervalMs,
          maxIntervalMs: retry.maxIntervalMs ?? 0,
          onStatusCodes: retry.onStatusCodes ?? [],
          onConnectionError: retry.onConnectionError ?? false,
        })
      : undefined,
    circuitBreaker: circuitBreaker
      ? create(CircuitBreakerSchema, {
          failures: circuitBreaker.failures,
          windowMs: circuitBreaker.windowMs,
          tripMs: circuitBreaker.tripMs,
          statusCodes: circuitBreaker.statusCodes ?? [],
          acceptRetryAfter: circuitBreaker.acceptRetryAfter ?? false,
        })
      : undefined,
    credentials: decryptCredentials(row.credentials, box, workspaceValues),
    tlsVerify: row.tlsVerify,
  });
}
