import { loadConfig } from './config.js';
import { createControlPlane } from './control-plane.js';
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
  const controlPlane = await createControlPlane(config, logger);
  // Seed before listening: once /readyz answers, the demo credentials exist.
  const demo = config.seedDemo ? await seedDemo(controlPlane.deps.db, config.dataDir) : undefined;
  const port = await controlPlane.listen();
  logger.info({ port, publicUrl: config.publicUrl }, 'control plane listening');

  if (demo) {
    // Printed for the person at the terminal, not logged: logs are shipped elsewhere.
    process.stdout.write(
      [
        '',
        '  Portico is running.',
        `  Management API:  ${config.publicUrl}/api/v1   (OpenAPI: ${config.publicUrl}/api/openapi.json)`,
        `  Demo sign-in:    ${demo.email}  /  ${demo.password}`,
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
    controlPlane.close().then(
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
