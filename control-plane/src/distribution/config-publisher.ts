import { clone } from '@bufbuild/protobuf';
import { GatewayViewSchema, type Delta, type GatewayView } from '@portico/proto';
import type { ControlPlaneTransport } from '@portico/proto/distribution';
import { and, eq, exists, gt, inArray, lte } from 'drizzle-orm';
import { buildGatewayState, type GatewayViewState } from '../compiler/build-gateway-view.js';
import { updateGatewayView, type ViewChanges } from '../compiler/update-gateway-view.js';
import type { Db } from '../db/client.js';
import { configChanges, gatewayApis, gateways, operations, tenants } from '../db/schema/index.js';
import { PorticoError } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { TenantQueues } from './tenant-queues.js';
import { changesDelta, diffViews, resyncDelta } from './view-diff.js';

export interface ConfigPublisher {
  /** A tenant's config changed (NOTIFY): queue a run for it; signals during a run coalesce into one more. */
  changed(tenantId: string): void;
  /** Queues a run for every tenant whose revision is past the one processed (first call: every tenant with gateways). */
  poll(): Promise<void>;
  /**
   * The gateway's current view, as a snapshot for one of its agents. Built in the tenant's queue
   * and recorded as what the gateway was told, so the deltas that follow chain from its revision;
   * `undefined` when the gateway does not exist (any more).
   */
  snapshot(tenantId: string, gatewayId: string): Promise<GatewayView | undefined>;
  /** The revision up to which the tenant's changes went out (undefined before its first run). */
  processedRevision(tenantId: string): number | undefined;
  /** Views built since start: in full, or from their base by the incremental path (logs, tests, bench). */
  stats(): { fullBuilds: number; incrementalBuilds: number };
  /** Resolves when no work is queued or running (tests, shutdown). */
  idle(): Promise<void>;
  /** Stops taking signals and waits for the work under way. */
  close(): Promise<void>;
}

export interface ConfigPublisherOptions {
  db: Db;
  secretKey: Buffer;
  transport: Pick<ControlPlaneTransport, 'publishDelta'>;
  logger: Logger;
}

/**
 * Turns committed config changes into deltas per gateway (DESIGN §6). For each gateway it keeps
 * the last view its agents were told about (`base`); a change rebuilds the views it may touch,
 * skips those whose content hash did not move, and publishes `base → new` by entity.
 *
 * Several replicas may run one each: `gateways.published_revision/hash` is claimed under a row
 * lock in the transaction that publishes, so only one replica publishes a given revision, and a
 * replica whose base is not what the row says sends a resync delta instead of a wrong diff.
 *
 * Revisions are per tenant, so a change elsewhere in the tenant moves the revision without
 * touching a gateway's content. A snapshot of unchanged content is stamped with the revision it
 * was published at, so every agent running one content runs one revision and the next delta
 * chains for all of them.
 */
export function createConfigPublisher({ db, secretKey, transport, logger }: ConfigPublisherOptions): ConfigPublisher {
  const queues = new TenantQueues();
  /** Per tenant, per gateway: what the gateway's agents were last told (full view, stamped). */
  const bases = new Map<string, Map<string, GatewayViewState>>();
  /** Per tenant: the revision up to which changes were turned into deltas. */
  const processed = new Map<string, number>();
  const stats = { fullBuilds: 0, incrementalBuilds: 0 };
  let closed = false;

  const basesOf = (tenantId: string) => {
    let map = bases.get(tenantId);
    if (!map) bases.set(tenantId, (map = new Map<string, GatewayViewState>()));
    return map;
  };

  /**
   * The gateway's view now: from its base when there is one and the changes since stay within what
   * the incremental path reloads (a few rows), else built in full. `undefined`: the gateway is gone.
   */
  async function nextState(
    tenantId: string,
    gatewayId: string,
    base: GatewayViewState | undefined,
  ): Promise<{ state: GatewayViewState; changes?: ViewChanges } | undefined> {
    if (base) {
      const update = await updateGatewayView(db, base);
      if (update.kind === 'updated') {
        stats.incrementalBuilds++;
        return update;
      }
      logger.debug({ tenantId, gatewayId, reason: update.reason }, 'config: building the view in full');
    }
    stats.fullBuilds++;
    try {
      return { state: await buildGatewayState(db, secretKey, tenantId, gatewayId) };
    } catch (error) {
      if (error instanceof PorticoError && error.porticoCode === 'CP_ERR_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /**
   * Brings one gateway's agents to its current view: builds it, and unless its hash is the one
   * they have, publishes a delta (or a resync delta without a usable base). Returns the view as
   * published (its revision the one they were told), or undefined for a gateway that is gone.
   */
  async function publishGateway(tenantId: string, gatewayId: string): Promise<GatewayView | undefined> {
    const known = basesOf(tenantId);
    const base = known.get(gatewayId);
    const next = await nextState(tenantId, gatewayId, base);
    if (!next) {
      known.delete(gatewayId);
      return undefined;
    }
    const { state, changes } = next;
    const view = state.view;
    if (base?.view.contentHash === view.contentHash) {
      // Same content: the agents keep the revision they were told; later changes are read from here.
      known.set(gatewayId, { ...base, asOf: state.asOf });
      return base.view;
    }

    const outcome = await db.transaction(async (tx) => {
      const [row] = await tx
        .select({ revision: gateways.publishedRevision, hash: gateways.publishedHash })
        .from(gateways)
        .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, gatewayId)))
        .for('update');
      if (!row) return { kind: 'gone' } as const;
      if (row.revision !== null && row.hash === view.contentHash) {
        // Published already (by another replica, or before a restart): same content, its revision.
        return { kind: 'known', view: stamped(view, row.revision) } as const;
      }
      if (row.revision !== null && row.revision >= Number(view.revision)) {
        // Another replica published a later revision after this view was read: it told the agents.
        return { kind: 'stale', view } as const;
      }
      const delta: Delta =
        base && row.revision !== null && BigInt(row.revision) === base.view.revision && row.hash === base.view.contentHash
          ? changes
            ? changesDelta(base.view, view, changes)
            : diffViews(base.view, view)
          : resyncDelta(view);
      await tx
        .update(gateways)
        .set({ publishedRevision: Number(view.revision), publishedHash: view.contentHash, publishedAt: new Date() })
        .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, gatewayId)));
      // Inside the transaction: if publishing fails the claim rolls back, and the next run retries.
      await transport.publishDelta({ tenantId, gatewayId }, delta);
      logger.info(
        {
          tenantId,
          gatewayId,
          fromRevision: Number(delta.fromRevision),
          toRevision: Number(delta.toRevision),
          contentHash: delta.contentHash,
          resync: delta.resync,
        },
        delta.resync ? 'config: published a resync delta' : 'config: published a delta',
      );
      return { kind: 'published', view } as const;
    });
    switch (outcome.kind) {
      case 'gone':
        known.delete(gatewayId);
        return undefined;
      case 'stale':
        known.delete(gatewayId);
        return outcome.view;
      default:
        known.set(gatewayId, { ...state, view: outcome.view });
        return outcome.view;
    }
  }

  /** The gateways whose view revisions `(since, upTo]` may have changed. */
  async function affectedGateways(tenantId: string, since: number, upTo: number, gatewayIds: string[]): Promise<string[]> {
    const changes = await db
      .select({ entityType: configChanges.entityType, entityId: configChanges.entityId })
      .from(configChanges)
      .where(and(eq(configChanges.tenantId, tenantId), gt(configChanges.revision, since), lte(configChanges.revision, upTo)));
    const affected = new Set<string>();
    const apiIds = new Set<string>();
    const operationIds = new Set<string>();
    for (const change of changes) {
      if (change.entityType === 'gateway') affected.add(change.entityId);
      else if (change.entityType === 'gateway_api') affected.add(change.entityId.split(':')[0]!);
      else if (change.entityType === 'api') apiIds.add(change.entityId);
      else if (change.entityType === 'operation') operationIds.add(change.entityId);
      // Products, subscriptions, policies, named values, fragments, backends, version sets…:
      // which gateways they reach depends on the whole view, so rebuild them all (hashes skip the rest).
      else return gatewayIds;
    }
    if (operationIds.size > 0) {
      const owners = await db
        .select({ apiId: operations.apiId })
        .from(operations)
        .where(and(eq(operations.tenantId, tenantId), inArray(operations.id, [...operationIds])));
      for (const owner of owners) apiIds.add(owner.apiId);
    }
    if (apiIds.size > 0) {
      const serving = await db
        .select({ gatewayId: gatewayApis.gatewayId })
        .from(gatewayApis)
        .where(and(eq(gatewayApis.tenantId, tenantId), inArray(gatewayApis.apiId, [...apiIds])));
      for (const row of serving) affected.add(row.gatewayId);
    }
    // A deleted API or operation has no rows left to say where it was served: ask the bases, and
    // rebuild every gateway whose agents' content is unknown here.
    const known = basesOf(tenantId);
    for (const gatewayId of gatewayIds) {
      const base = known.get(gatewayId);
      if (!base) {
        if (apiIds.size > 0 || operationIds.size > 0) affected.add(gatewayId);
      } else if (base.view.apis.some((api) => apiIds.has(api.id) || api.operations.some((op) => operationIds.has(op.id)))) {
        affected.add(gatewayId);
      }
    }
    return gatewayIds.filter((id) => affected.has(id));
  }

  async function processTenant(tenantId: string): Promise<void> {
    try {
      const [tenant] = await db.select({ revision: tenants.configRevision }).from(tenants).where(eq(tenants.id, tenantId));
      if (!tenant) {
        bases.delete(tenantId);
        processed.delete(tenantId);
        return;
      }
      const since = processed.get(tenantId);
      if (since !== undefined && tenant.revision <= since) return;
      const rows = await db.select({ id: gateways.id }).from(gateways).where(eq(gateways.tenantId, tenantId));
      const gatewayIds = rows.map((r) => r.id);
      const known = basesOf(tenantId);
      for (const id of known.keys()) if (!gatewayIds.includes(id)) known.delete(id);
      // Nothing processed yet (start-up): every gateway may be behind.
      const affected = since === undefined ? gatewayIds : await affectedGateways(tenantId, since, tenant.revision, gatewayIds);
      let failures = 0;
      for (const gatewayId of affected) {
        try {
          await publishGateway(tenantId, gatewayId);
        } catch (error) {
          failures++;
          logger.error(
            { err: error, tenantId, gatewayId },
            'config: could not publish a gateway view; retrying at the next change or poll',
          );
        }
      }
      // On failure the revision stays unprocessed, so the next poll runs it again (hashes skip what went out).
      if (failures === 0) processed.set(tenantId, tenant.revision);
    } catch (error) {
      logger.error({ err: error, tenantId }, 'config: could not process changes; retrying at the next change or poll');
    }
  }

  function changed(tenantId: string): void {
    if (closed) return;
    queues.runCoalesced(tenantId, () => processTenant(tenantId));
  }

  return {
    changed,
    async poll() {
      if (closed) return;
      const rows = await db
        .select({ id: tenants.id, revision: tenants.configRevision })
        .from(tenants)
        .where(exists(db.select({ one: gateways.id }).from(gateways).where(eq(gateways.tenantId, tenants.id))));
      for (const row of rows) {
        const since = processed.get(row.id);
        if (since === undefined || row.revision > since) changed(row.id);
      }
    },
    snapshot(tenantId, gatewayId) {
      return queues.run(tenantId, async () => {
        const view = await publishGateway(tenantId, gatewayId);
        return view && clone(GatewayViewSchema, view);
      });
    },
    processedRevision: (tenantId) => processed.get(tenantId),
    stats: () => ({ ...stats }),
    idle: () => queues.idle(),
    async close() {
      closed = true;
      await queues.idle();
    },
  };
}

/** The view with the revision its (identical) content was published at (shallow: entities are shared, never mutated). */
function stamped(view: GatewayView, revision: number): GatewayView {
  return { ...view, revision: BigInt(revision) };
}
