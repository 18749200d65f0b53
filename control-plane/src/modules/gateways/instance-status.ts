/** Agents send a heartbeat every few seconds (DESIGN.md §6); this is the interval they are given. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** Up to six missed beats is jitter or a short pause: the instance is still in sync. */
export const IN_SYNC_WITHIN_MS = 6 * HEARTBEAT_INTERVAL_MS;
/** Past this without a heartbeat the instance is gone (stopped, or cut off from NATS). */
export const GONE_AFTER_MS = 5 * 60_000;

export const INSTANCE_STATUSES = ['in-sync', 'behind', 'gone'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/**
 * In sync while heartbeats arrive; behind while they are late (it may be serving an old config
 * and does not hear of new ones); gone after `GONE_AFTER_MS`. Both bounds are inclusive of "fresher".
 */
export function instanceStatus(lastHeartbeatAt: Date, now: Date): InstanceStatus {
  const silentFor = now.getTime() - lastHeartbeatAt.getTime();
  if (silentFor <= IN_SYNC_WITHIN_MS) return 'in-sync';
  if (silentFor <= GONE_AFTER_MS) return 'behind';
  return 'gone';
}
