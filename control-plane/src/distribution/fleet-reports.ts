import { Health, type ApplyResult, type Heartbeat } from '@portico/proto';
import type { GatewayAddress, ReportHandler } from '@portico/proto/distribution';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pgErrorCode } from '../db/errors.js';
import { gatewayInstances, gateways, type InstanceHealth } from '../db/schema/index.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';

export const MAX_NACK_REASON_LENGTH = 2000;
const MAX_TEXT_LENGTH = 255;
const MAX_COUNTERS = 64;
/** A gateway checked to exist is trusted this long before asking again (deletion shows as an FK error anyway). */
const KNOWN_GATEWAY_TTL_MS = 60_000;
/** An agent of an unknown gateway reports every few seconds: say so once a minute, not each time. */
const WARN_EVERY_MS = 60_000;

const HEALTH: Record<Health, InstanceHealth> = {
  [Health.UNSPECIFIED]: 'unknown',
  [Health.SERVING]: 'healthy',
  [Health.SERVING_FROM_BACKUP]: 'serving-from-backup',
  [Health.STARTING]: 'starting',
  [Health.DRAINING]: 'draining',
};

const clip = (text: string, max = MAX_TEXT_LENGTH) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Counters as numbers (exact up to 2^53), bounded in number and name length. */
function countersOf(heartbeat: Heartbeat): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(heartbeat.counters).slice(0, MAX_COUNTERS)) out[clip(name, 100)] = Number(value);
  return out;
}

/**
 * Consumes agents' heartbeats and apply results into `gateway_instances`: one idempotent upsert
 * per report, keyed by gateway and instance id, only for a gateway of the tenant the report was
 * addressed from. A NACK is kept until the instance applies that revision or a later one.
 */
export function createReportHandler({ db, logger }: { db: Db; logger: Logger }): ReportHandler {
  const knownUntil = new Map<string, number>();
  const warnedAt = new Map<string, number>();

  function warnOnce(from: GatewayAddress, message: string, extra: object = {}) {
    const key = `${from.tenantId}/${from.gatewayId}`;
    const now = Date.now();
    if ((warnedAt.get(key) ?? 0) > now - WARN_EVERY_MS) return;
    warnedAt.set(key, now);
    logger.warn({ tenantId: from.tenantId, gatewayId: from.gatewayId, ...extra }, message);
  }

  async function gatewayExists(from: GatewayAddress): Promise<boolean> {
    const key = `${from.tenantId}/${from.gatewayId}`;
    if ((knownUntil.get(key) ?? 0) > Date.now()) return true;
    const [row] = await db
      .select({ id: gateways.id })
      .from(gateways)
      .where(and(eq(gateways.tenantId, from.tenantId), eq(gateways.id, from.gatewayId)));
    if (row) knownUntil.set(key, Date.now() + KNOWN_GATEWAY_TTL_MS);
    else knownUntil.delete(key);
    return row !== undefined;
  }

  // Clears the NACK once the instance runs its revision or a later one.
  const nackClearedBy = (revision: number) => ({
    nackRevision: sql`case when ${gatewayInstances.nackRevision} <= ${revision} then null else ${gatewayInstances.nackRevision} end`,
    nackReason: sql`case when ${gatewayInstances.nackRevision} <= ${revision} then null else ${gatewayInstances.nackReason} end`,
  });

  async function heartbeat(from: GatewayAddress, beat: Heartbeat) {
    const applied = beat.contentHash ? { appliedRevision: Number(beat.revision), configHash: beat.contentHash } : {};
    const fields = {
      hostname: clip(beat.hostname),
      agentVersion: clip(beat.agentVersion),
      ...applied,
      health: HEALTH[beat.health] ?? 'unknown',
      counters: countersOf(beat),
      lastHeartbeatAt: new Date(),
    };
    await db
      .insert(gatewayInstances)
      .values({
        id: newId('gwi'),
        tenantId: from.tenantId,
        gatewayId: from.gatewayId,
        instanceKey: clip(beat.instanceId),
        ...fields,
      })
      .onConflictDoUpdate({
        target: [gatewayInstances.gatewayId, gatewayInstances.instanceKey],
        set: { ...fields, ...(beat.contentHash ? nackClearedBy(Number(beat.revision)) : {}) },
      });
  }

  async function applyResult(from: GatewayAddress, result: ApplyResult) {
    const revision = Number(result.revision);
    const fields = result.applied
      ? { appliedRevision: revision, configHash: result.contentHash }
      : { nackRevision: revision, nackReason: clip(result.error || 'no reason given', MAX_NACK_REASON_LENGTH) };
    await db
      .insert(gatewayInstances)
      .values({
        id: newId('gwi'),
        tenantId: from.tenantId,
        gatewayId: from.gatewayId,
        instanceKey: clip(result.instanceId),
        ...fields,
      })
      .onConflictDoUpdate({
        target: [gatewayInstances.gatewayId, gatewayInstances.instanceKey],
        set: result.applied ? { ...fields, ...nackClearedBy(revision) } : fields,
      });
  }

  return async function consumeReport(from, report) {
    const { case: kind, value } = report.report;
    if (!kind) return;
    if (!value.instanceId) {
      warnOnce(from, 'fleet: ignored a report without an instance id');
      return;
    }
    try {
      if (!(await gatewayExists(from))) {
        warnOnce(from, 'fleet: ignored reports for an unknown gateway', { instanceId: value.instanceId });
        return;
      }
      if (kind === 'heartbeat') await heartbeat(from, value);
      else {
        await applyResult(from, value);
        if (!value.applied) {
          logger.warn(
            {
              tenantId: from.tenantId,
              gatewayId: from.gatewayId,
              instanceId: value.instanceId,
              revision: Number(value.revision),
              reason: value.error,
            },
            'fleet: an instance could not apply a config revision (NACK)',
          );
        }
      }
    } catch (error) {
      // The gateway was deleted since it was checked: its instance rows went with it.
      if (pgErrorCode(error) === '23503') {
        knownUntil.delete(`${from.tenantId}/${from.gatewayId}`);
        warnOnce(from, 'fleet: ignored reports for an unknown gateway', { instanceId: value.instanceId });
        return;
      }
      logger.error({ err: error, tenantId: from.tenantId, gatewayId: from.gatewayId }, 'fleet: could not record a report');
    }
  };
}
