/**
 * One gateway agent in its own process for the propagation bench: a `GatewayAgent` on a real NATS
 * transport, started by the parent over IPC, reporting each applied revision with the time it was
 * applied (taken first thing in the `onApplied` listener, i.e. after the new config was compiled
 * and swapped in). Exits when the parent says stop or goes away.
 */
import { GatewayAgent } from '@portico/gateway/agent';
import { connectAgentTransport } from '@portico/proto/distribution';
import { wallNow, type FromWorker, type ToWorker, type WorkerStart } from './messages.js';

const send = (message: FromWorker) => process.send?.(message);
let agent: GatewayAgent | undefined;
let stopping = false;

async function start(options: WorkerStart): Promise<void> {
  const address = { tenantId: options.tenantId, gatewayId: options.gatewayId };
  const log = (level: string, message: string, fields?: Record<string, unknown>) => {
    // Closing its own transport makes the agent warn that it lost the control plane: not news here.
    if (level !== 'info' && !stopping) send({ type: 'log', level, message: `${message} ${JSON.stringify(fields ?? {})}` });
  };
  const transport = connectAgentTransport({ servers: options.natsUrl, address, name: options.instanceId, log });
  agent = await GatewayAgent.start({
    ...address,
    accessToken: options.accessToken,
    instanceId: options.instanceId,
    transport,
    host: '127.0.0.1',
    port: 0,
    log,
  });
  agent.onApplied(function reportApplied({ revision, contentHash }) {
    const at = wallNow();
    send({ type: 'applied', revision: Number(revision), contentHash, at });
  });
  await agent.waitForRevision(1n, 30_000);
  send({ type: 'ready', revision: Number(agent.revision) });
}

async function stop(code: number): Promise<never> {
  stopping = true;
  const closing = agent?.close();
  agent = undefined;
  // Bounded: a stuck drain must not keep the process alive.
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]).catch(() => undefined);
  process.exit(code);
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'start':
      start(message).catch((error: unknown) => {
        send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        void stop(1);
      });
      break;
    case 'clock':
      send({ type: 'clock', id: message.id, at: wallNow() });
      break;
    case 'stop':
      void stop(0);
      break;
  }
});
// The parent died or closed the channel: never linger.
process.on('disconnect', () => void stop(0));
