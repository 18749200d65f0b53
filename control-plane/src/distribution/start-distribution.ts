import type { ControlPlaneTransport } from '@portico/proto/distribution';
import type { Database } from '../db/client.js';
import type { Logger } from '../lib/logger.js';
import { CONFIG_CHANGE_CHANNEL } from '../modules/config/record-config-change.js';
import { createConfigPublisher, type ConfigPublisher } from './config-publisher.js';
import { createReportHandler } from './fleet-reports.js';
import { createQuotaLeaseHandler } from './quota-leases.js';
import { createSnapshotHandler } from './snapshot-service.js';

/** A missed NOTIFY (the listening connection dropped) is caught up within this. */
export const SAFETY_POLL_INTERVAL_MS = 5_000;

export interface Distribution {
  publisher: ConfigPublisher;
  close(): Promise<void>;
}

export interface DistributionOptions {
  database: Database;
  transport: ControlPlaneTransport;
  secretKey: Buffer;
  logger: Logger;
  pollIntervalMs?: number;
}

/**
 * Config distribution on `transport` (DESIGN §6): the publisher woken by `NOTIFY portico_config`
 * (sent at commit by recordConfigChange) and by a slow poll, the snapshot responder and the fleet
 * report consumer, and the quota lease service. The transport stays open on close: its owner closes it.
 */
export async function startDistribution({
  database,
  transport,
  secretKey,
  logger,
  pollIntervalMs = SAFETY_POLL_INTERVAL_MS,
}: DistributionOptions): Promise<Distribution> {
  const log = logger.child({ component: 'distribution' });
  const publisher = createConfigPublisher({ db: database.db, secretKey, transport, logger: log });
  const listener = await database.listen(CONFIG_CHANGE_CHANNEL, (tenantId) => publisher.changed(tenantId));
  const snapshots = transport.serveSnapshots(createSnapshotHandler({ db: database.db, publisher, logger: log }));
  const reports = transport.onReports(createReportHandler({ db: database.db, logger: log }));
  const quotas = transport.serveQuotaLeases(createQuotaLeaseHandler({ db: database.db, logger: log }));

  let polling: Promise<void> | undefined;
  const poll = () => {
    polling ??= publisher
      .poll()
      .catch((error: unknown) => log.warn({ err: error }, 'config: the safety poll failed; trying again later'))
      .finally(() => (polling = undefined));
  };
  // The first poll catches up with what changed while no publisher ran.
  poll();
  const timer = setInterval(poll, pollIntervalMs);
  timer.unref();
  log.info({ pollIntervalMs }, 'config distribution started');

  return {
    publisher,
    async close() {
      clearInterval(timer);
      await Promise.allSettled([listener.close(), snapshots.close(), reports.close(), quotas.close()]);
      await polling;
      await publisher.close();
    },
  };
}
