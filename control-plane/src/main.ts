import path from 'node:path';
import { GatewayAgent, type Log } from '@portico/gateway/agent';
import { startEchoServer } from '@portico/gateway/echo';
import {
  connectAgentTransport,
  connectControlPlaneTransport,
  createInProcessTransport,
  type AgentTransport,
  type ControlPlaneTransport,
  type GatewayAddress,
} from '@portico/proto/distribution';
import { loadConfig } from './config.js';
import { createControlPlane } from './control-plane.js';
import { seedDemoGateway } from './demo-gateway-seed.js';
import { seedDemo } from './demo-seed.js';
import { createLogger } from './lib/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);

async function main() {
  logger.info({ driver: config.databaseUrl ? 'postgres' : 'pglite', dataDir: config.dataDir }, 'starting control plane');
  if (config.secretKeySource === 'file') {
    logger.warn(
      { file: `${config.dataDir}/secret.key` },
      'PORTICO_SECRET_KEY is not set: using a key generated under the data dir. Set PORTICO_SECRET_KEY in production and keep it stable; secrets sealed with one key cannot be read with another',
    );
  }
  const log: Log = (level, message, fields) => logger[level](fields ?? {}, message);
  // Without NATS, config reaches only the gateway in this process.
  const inProcess = config.natsUrl ? undefined : createInProcessTransport();
  const servers = config.natsUrl?.split(',').map((s) => s.trim());
  const transport: ControlPlaneTransport = inProcess
    ? inProcess.controlPlane
    : await connectControlPlaneTransport({ servers: servers!, name: 'portico-control-plane', log });
  const agentTransport = (address: GatewayAddress): AgentTransport =>
    inProcess
      ? inProcess.agent(address)
      : connectAgentTransport({ servers: servers!, address, name: 'portico-embedded-gateway', log });

  const controlPlane = await createControlPlane(config, logger, undefined, { transport });
  // Seed before listening: once /readyz answers, the demo credentials exist.
  const demo = config.seedDemo ? await seedDemo(controlPlane.deps.db, config.dataDir) : undefined;
  const port = await controlPlane.listen();
  logger.info({ port, publicUrl: config.publicUrl, nats: config.natsUrl ?? 'in-process' }, 'control plane listening');

  let embedded: { agent: GatewayAgent; close(): Promise<void>; key: string; url: string } | undefined;
  if (config.embeddedGateway && !demo) {
    logger.warn('PORTICO_EMBEDDED_GATEWAY needs the demo tenant (PORTICO_SEED_DEMO): not starting the embedded gateway');
  } else if (config.embeddedGateway && demo) {
    const echo = await startEchoServer({ host: '127.0.0.1', port: config.echoPort });
    const seeded = await seedDemoGateway(controlPlane.deps, demo.file, {
      echoUrl: echo.url,
      gatewayUrl: `http://localhost:${config.gatewayPort}`,
    });
    const agent = await GatewayAgent.start({
      tenantId: seeded.tenantId,
      gatewayId: seeded.gatewayId,
      accessToken: seeded.gatewayToken,
      instanceId: 'embedded',
      transport: agentTransport({ tenantId: seeded.tenantId, gatewayId: seeded.gatewayId }),
      backupPath: path.join(config.dataDir, 'gateway.backup'),
      host: config.host,
      port: config.gatewayPort,
      adminHost: '127.0.0.1',
      adminPort: config.gatewayAdminPort,
      log,
    });
    await agent.waitForRevision(1n, 30_000);
    logger.info({ port: config.gatewayPort, adminPort: config.gatewayAdminPort }, 'embedded gateway serving');
    embedded = {
      agent,
      key: seeded.subscriptionKey,
      url: seeded.apiUrl,
      close: async () => {
        await agent.close();
        await echo.close();
      },
    };
  }

  if (demo) {
    // Printed for the person at the terminal, not logged: logs are shipped elsewhere.
    process.stdout.write(
      [
        '',
        '  Portico is running.',
        `  Management API:  ${config.publicUrl}/api/v1   (OpenAPI: ${config.publicUrl}/api/openapi.json)`,
        `  Demo sign-in:    ${demo.email}  /  ${demo.password}`,
        ...(embedded
          ? [
              `  Gateway:         http://localhost:${config.gatewayPort}   (admin: http://127.0.0.1:${config.gatewayAdminPort}/metrics)`,
              `  Try it:          curl -H "Ocp-Apim-Subscription-Key: ${embedded.key}" ${embedded.url}`,
            ]
          : []),
        `  Saved to:        ${demo.file}`,
        '',
        '',
      ].join('\n'),
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    Promise.resolve(embedded?.close())
      .then(() => controlPlane.close())
      .then(() => transport.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'control plane failed to start');
  process.exit(1);
});
