/** Agents send a heartbeat every few seconds (DESIGN.md §6); this is the interval they are given. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** Up to six missed beats is jitter or a short pause: the instance can still be in sync. */
export const IN_SYNC_WITHIN_MS = 6 * HEARTBEAT_INTERVAL_MS;
/** Past this without a heartbeat the instance is gone (stopped, or cut off from NATS). */
export const GONE_AFTER_MS = 5 * 60_000;

export const INSTANCE_STATUSES = ['in-sync', 'behind', 'failed', 'gone'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** What an instance last said it runs, and the last revision it could not apply. */
export interface InstanceConfig {
  appliedRevision: number | null;
  configHash: string | null;
  nackRevision: number | null;
}

/** Status descriptions for the API documentation, from the same constants. */
export const INSTANCE_STATUS_DESCRIPTION =
  `gone: no heartbeat for ${GONE_AFTER_MS / 1000} s; ` +
  'failed: its last NACK is for a revision newer than the one it applied (see nackRevision, nackReason); ' +
  `behind: heartbeats late (over ${IN_SYNC_WITHIN_MS / 1000} s) or it runs another config hash than the gateway's publishedHash; ` +
  'in-sync: fresh heartbeats and it runs publishedHash (before anything was published, fresh heartbeats alone)';

/**
 * Gone after `GONE_AFTER_MS` of silence; failed while its last NACK is newer than what it
 * applied (it keeps serving the last good config); behind while heartbeats are late or it runs
 * another hash than the gateway's published one; else in sync. Without `config` (or before the
 * gateway's config was ever published) only heartbeat age counts. Bounds are inclusive of "fresher".
 *
 * @example
 * instanceStatus(row.lastHeartbeatAt, new Date(), { instance: row, publishedHash: gateway.publishedHash });
 */
export function instanceStatus(
  lastHeartbeatAt: Date,
  now: Date,
  config?: { instance: InstanceConfig; publishedHash: string | null },
): InstanceStatus {
  const silentFor = now.getTime() - lastHeartbeatAt.getTime();
  if (silentFor > GONE_AFTER_MS) return 'gone';
  if (config) {
    const { instance, publishedHash } = config;
    const { nackRevision, appliedRevision } = instance;
    if (nackRevision !== null && (appliedRevision === null || nackRevision > appliedRevision)) return 'failed';
    if (publishedHash !== null && instance.configHash !== publishedHash) return 'behind';
  }
  return silentFor <= IN_SYNC_WITHIN_MS ? 'in-sync' : 'behind';
}
