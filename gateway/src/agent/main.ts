import { connectAgentTransport } from '@portico/proto/distribution';
import { GatewayAgent, type Log } from './agent.js';
import { AgentEnvError, readAgentEnv } from './agent-env.js';

/** `portico-gateway`: one agent process configured by environment (see the gateway README). */

const log: Log = (level, message, fields) => {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields });
  (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
};

async function main(): Promise<void> {
  const env = readAgentEnv();
  const transport = connectAgentTransport({
    servers: env.natsUrl.split(',').map((s) => s.trim()),
    credsFile: env.natsCredsFile,
    name: `portico-gateway ${env.instanceId}`,
    address: { tenantId: env.tenantId, gatewayId: env.gatewayId },
    log,
  });
  const agent = await GatewayAgent.start({ ...env, transport, log });
  log('info', 'gateway agent started', {
    traffic: `${env.host}:${env.port}`,
    admin: `${env.adminHost}:${env.adminPort}`,
    gatewayId: env.gatewayId,
    instanceId: env.instanceId,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'draining', { signal });
    agent.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log('error', 'shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  log('error', error instanceof AgentEnvError ? error.message : 'gateway agent failed to start', {
    error: error instanceof AgentEnvError ? undefined : String(error),
  });
  process.exit(1);
});
