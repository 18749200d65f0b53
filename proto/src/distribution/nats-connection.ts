import { readFileSync } from 'node:fs';
import { credsAuthenticator, type ConnectionOptions, type NatsConnection, type Status } from '@nats-io/transport-node';

/** Where and as whom to connect to NATS. Auth is optional: at most one of token, user/pass, credsFile. */
export interface NatsConnectionOptions {
  servers: string | string[];
  /** The connection name shown by the server's monitoring. */
  name?: string;
  token?: string;
  user?: string;
  pass?: string;
  /** A NATS `.creds` file (user JWT + seed); re-read on every (re)connect, so a rotated file is picked up. */
  credsFile?: string;
  /** Base wait between reconnect attempts (default 2000 ms); up to half of it is added as jitter. */
  reconnectTimeWaitMs?: number;
}

export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export const DEFAULT_RECONNECT_TIME_WAIT_MS = 2000;
/** The server's default `max_payload`, used while no server INFO is at hand (between reconnects). */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export const silentLog: Log = () => undefined;

/** nats.js options shared by both sides: reconnect forever with jittered waits. */
export function natsOptions(options: NatsConnectionOptions): ConnectionOptions {
  const reconnectTimeWait = options.reconnectTimeWaitMs ?? DEFAULT_RECONNECT_TIME_WAIT_MS;
  const { credsFile } = options;
  // Only the keys that are set: nats.js copies undefined values over its defaults.
  const auth: ConnectionOptions = {};
  if (options.name !== undefined) auth.name = options.name;
  if (options.token !== undefined) auth.token = options.token;
  if (options.user !== undefined) auth.user = options.user;
  if (options.pass !== undefined) auth.pass = options.pass;
  if (credsFile) auth.authenticator = credsAuthenticator(() => readFileSync(credsFile));
  return {
    ...auth,
    servers: options.servers,
    maxReconnectAttempts: -1,
    reconnectTimeWait,
    reconnectJitter: Math.floor(reconnectTimeWait / 2),
    // Connect attempts to a host that does not answer must not stall the retry loop.
    timeout: 5000,
  };
}

/** The server's current max payload (the last known one while reconnecting, when nats.js has none). */
export function maxPayloadOf(nc: NatsConnection, lastKnown: number): number {
  return nc.info?.max_payload ?? lastKnown;
}

/**
 * Logs what nats.js reports only through `status()`: disconnects, reconnects, and server errors
 * such as permission violations, which otherwise go unnoticed (nats-auth notes, gotcha 8).
 * `onChange` gets `true` on reconnect and `false` on disconnect. Ends when the connection closes.
 */
export function watchStatus(nc: NatsConnection, log: Log, onChange: (connected: boolean) => void = () => undefined): void {
  void (async () => {
    for await (const status of nc.status()) reportStatus(status, log, onChange);
  })().catch((error: unknown) => log('error', 'NATS status watcher failed', { error: String(error) }));
}

function reportStatus(status: Status, log: Log, onChange: (connected: boolean) => void): void {
  switch (status.type) {
    case 'disconnect':
      log('warn', 'NATS disconnected; reconnecting', { server: status.server });
      onChange(false);
      break;
    case 'reconnect':
      log('info', 'NATS reconnected', { server: status.server });
      onChange(true);
      break;
    case 'error':
      // Permission violations, auth errors and other `-ERR`s from the server.
      log('error', `NATS server error: ${status.error.message}`, { error: status.error.name });
      break;
    case 'slowConsumer':
      log('warn', 'NATS slow consumer: messages are being dropped', {
        subject: status.sub.getSubject(),
        pending: status.pending,
      });
      break;
    case 'staleConnection':
      log('warn', 'NATS connection is stale; reconnecting');
      break;
    case 'ldm':
      log('info', 'NATS server entering lame duck mode', { server: status.server });
      break;
    default:
      break;
  }
}
