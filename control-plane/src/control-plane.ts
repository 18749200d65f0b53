import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlPlaneTransport } from '@portico/proto/distribution';
import { createTransport } from 'nodemailer';
import { createAuthorizer } from './authz/authorizer.js';
import { syncPolicyRules } from './authz/grants.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { startDistribution, type Distribution } from './distribution/start-distribution.js';
import { createApp } from './app.js';
import type { Logger } from './lib/logger.js';
import { SecretBox } from './lib/secrets.js';
import { createMailer } from './mail/mailer.js';
import { startSubscriptionExpiry } from './modules/subscriptions/expire-due-subscriptions.js';
import type { Deps } from './trpc/context.js';

export interface ControlPlaneOptions {
  /**
   * Where gateway config goes (NATS, or in-process for the all-in-one): with it, `listen()` also
   * starts the config publisher, the snapshot responder and the fleet report consumer.
   */
  transport?: ControlPlaneTransport;
}

export interface ControlPlane {
  deps: Deps;
  database: Database;
  /** Running between `listen()` and `close()` when a transport was given. */
  readonly distribution: Distribution | undefined;
  /** Listens on config.port (0 picks a free port); resolves to the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** Opens the database, applies migrations and role rules, and wires the services. */
export async function createControlPlane(
  config: Config,
  logger: Logger,
  database?: Database,
  options: ControlPlaneOptions = {},
): Promise<ControlPlane> {
  const db = database ?? (await openDatabase(config));
  await db.migrate();
  await syncPolicyRules(db.db);
  const mailer = createMailer({
    db: db.db,
    logger,
    box: new SecretBox(config.secretKey),
    from: config.mailFrom,
    transport: config.smtpUrl ? createTransport(config.smtpUrl) : null,
  });
  const deps: Deps = { db: db.db, config, logger, authorizer: createAuthorizer(db.db), mailer };
  const app = createApp(deps, db);
  let server: Server | undefined;
  let stopExpiry: (() => Promise<void>) | undefined;
  let distribution: Distribution | undefined;

  return {
    deps,
    database: db,
    get distribution() {
      return distribution;
    },
    async listen() {
      const handle = app.callback();
      server = createServer((req, res) => void handle(req, res));
      // Slow clients must not hold sockets forever.
      server.headersTimeout = 15_000;
      server.requestTimeout = 30_000;
      mailer.start();
      stopExpiry = startSubscriptionExpiry(db.db, logger);
      if (options.transport) {
        distribution = await startDistribution({
          database: db,
          transport: options.transport,
          secretKey: config.secretKey,
          logger,
        });
      }
      return new Promise((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve((server!.address() as AddressInfo).port));
      });
    },
    async close() {
      await mailer.stop();
      await stopExpiry?.();
      await distribution?.close();
      distribution = undefined;
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await db.close();
    },
  };
}
