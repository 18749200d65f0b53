import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { connect, createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  AgentReportSchema,
  DeltaSchema,
  QuotaLeaseReplySchema,
  QuotaLeaseRequestSchema,
  SnapshotRequestSchema,
  type AgentReport,
  type Delta,
  type GatewayView,
  type QuotaLeaseReply,
  type QuotaLeaseRequest,
  type SnapshotRequest,
} from '../index.js';
import {
  DEFAULT_RECONNECT_TIME_WAIT_MS,
  natsOptions,
  silentLog,
  watchStatus,
  type Log,
  type NatsConnectionOptions,
} from './nats-connection.js';
import { SnapshotAssembler, SnapshotAssemblyError } from './snapshot-chunks.js';
import { subjects, type GatewayAddress } from './subjects.js';
import { SnapshotRefusedError, TransportUnavailableError, type AgentTransport, type Closable } from './transport.js';

/** Log a failed connect on the first failure, then on every this many (one per minute or so at the default wait). */
const LOG_EVERY_FAILED_CONNECTS = 30;

/**
 * One gateway agent's side of the config protocol over NATS. Returns at once and connects in the
 * background, retrying forever: the agent starts and serves from its backup while NATS is down.
 * Delta handlers can be registered before the first connect; they survive reconnects.
 *
 * @example
 * const transport = connectAgentTransport({ servers: 'nats://cp.example:4222', credsFile, address: { tenantId: 't1', gatewayId: 'g1' } });
 * transport.onDelta((delta) => apply(delta));
 * transport.onConnectionChange((up) => up && void resync());
 */
export function connectAgentTransport(options: NatsConnectionOptions & { address: GatewayAddress; log?: Log }): AgentTransport {
  return new NatsAgentTransport(options);
}

class NatsAgentTransport implements AgentTransport {
  readonly address: GatewayAddress;
  readonly #options: NatsConnectionOptions;
  readonly #log: Log;
  readonly #inboxPrefix: string;
  readonly #deltaSubject: string;
  readonly #deltaHandlers = new Set<(delta: Delta) => void>();
  readonly #listeners = new Set<(connected: boolean) => void>();
  /** The current connection (connected or reconnecting); none before the first connect and between retries. */
  #nc: NatsConnection | undefined;
  #deltaSub: Subscription | undefined;
  #connected = false;
  /** Counts connection changes, so that a late flush cannot mark a newer disconnect as connected. */
  #generation = 0;
  #closed = false;
  #wake: (() => void) | undefined;
  readonly #loop: Promise<void>;

  constructor(options: NatsConnectionOptions & { address: GatewayAddress; log?: Log }) {
    this.address = { tenantId: options.address.tenantId, gatewayId: options.address.gatewayId };
    // Both throw on ids that are no safe subject tokens, before anything connects.
    this.#inboxPrefix = subjects.inboxPrefix(this.address);
    this.#deltaSubject = subjects.deltas(this.address);
    this.#options = options;
    this.#log = options.log ?? silentLog;
    this.#loop = this.#run().catch((error: unknown) => this.#log('error', 'NATS connect loop failed', { error: String(error) }));
  }

  get connected(): boolean {
    return this.#connected;
  }

  onConnectionChange(listener: (connected: boolean) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * Connects, and connects again whenever nats.js gives up on a connection (it does after two
   * auth failures in a row, e.g. a revoked or expired credential: a rotated creds file is then
   * picked up here). Within one connection, nats.js reconnects by itself.
   */
  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      let nc: NatsConnection;
      try {
        nc = await connect({ ...natsOptions(this.#options), inboxPrefix: this.#inboxPrefix });
      } catch (error) {
        failures++;
        if (failures === 1 || failures % LOG_EVERY_FAILED_CONNECTS === 0)
          this.#log('warn', 'cannot connect to NATS; retrying', { attempts: failures, error: String(error) });
        await this.#sleep();
        continue;
      }
      failures = 0;
      if (this.#closed) {
        await nc.close();
        return;
      }
      this.#nc = nc;
      this.#log('info', 'agent connected to NATS', { server: nc.getServer(), gateway: this.address });
      this.#subscribeDeltas();
      watchStatus(nc, this.#log, (connected) => this.#connectionChanged(nc, connected));
      this.#connectionChanged(nc, true);

      const error = await nc.closed();
      this.#generation++;
      this.#nc = undefined;
      this.#deltaSub = undefined;
      this.#setConnected(false);
      if (this.#closed) return;
      this.#log('error', 'NATS connection closed; connecting again', { error: String(error) });
      await this.#sleep();
    }
  }

  /** Waits about one reconnect interval (with jitter), or until close(). */
  #sleep(): Promise<void> {
    const base = this.#options.reconnectTimeWaitMs ?? DEFAULT_RECONNECT_TIME_WAIT_MS;
    return new Promise((resolve) => {
      const timer = setTimeout(done, base + Math.floor((Math.random() * base) / 2));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /**
   * `connected` turns true only once a flush went through after (re)subscribing, so that when a
   * listener hears `true`, the server has the delta subscription: a snapshot requested then is
   * followed by every later delta.
   */
  #connectionChanged(nc: NatsConnection, connected: boolean): void {
    if (this.#nc !== nc) return;
    const generation = ++this.#generation;
    if (!connected) return this.#setConnected(false);
    nc.flush().then(
      () => {
        if (generation === this.#generation && this.#nc === nc && !nc.isClosed()) this.#setConnected(true);
      },
      () => undefined, // Disconnected again before the flush: the next reconnect tries again.
    );
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    for (const listener of [...this.#listeners]) {
      try {
        listener(connected);
      } catch (error) {
        this.#log('error', 'connection listener failed', { error: String(error) });
      }
    }
  }

  onDelta(handler: (delta: Delta) => void): Closable {
    this.#deltaHandlers.add(handler);
    this.#subscribeDeltas();
    return {
      close: () => {
        this.#deltaHandlers.delete(handler);
        if (this.#deltaHandlers.size === 0 && this.#deltaSub) {
          this.#deltaSub.unsubscribe();
          this.#deltaSub = undefined;
        }
        return Promise.resolve();
      },
    };
  }

  /** One NATS subscription per connection, fanned out to the handlers; nats.js renews it on reconnect. */
  #subscribeDeltas(): void {
    const nc = this.#nc;
    if (!nc || this.#deltaSub || this.#deltaHandlers.size === 0) return;
    this.#deltaSub = nc.subscribe(this.#deltaSubject, { callback: (error, msg) => this.#receiveDelta(error, msg) });
  }

  #receiveDelta(error: Error | null, msg: Msg): void {
    if (error) return this.#log('error', 'delta subscription failed', { subject: this.#deltaSubject, error: error.message });
    let delta: Delta;
    try {
      delta = fromBinary(DeltaSchema, msg.data);
    } catch (cause) {
      return this.#log('warn', 'dropping an undecodable delta', { subject: msg.subject, error: String(cause) });
    }
    for (const handler of [...this.#deltaHandlers]) {
      try {
        handler(delta);
      } catch (cause) {
        this.#log('error', 'delta handler failed', { subject: msg.subject, error: String(cause) });
      }
    }
  }

  async requestSnapshot(request: SnapshotRequest, timeoutMs: number): Promise<GatewayView> {
    const nc = this.#nc;
    if (!nc || !this.#connected) throw new TransportUnavailableError('not connected to NATS');
    const inbox = createInbox(this.#inboxPrefix);
    const assembler = new SnapshotAssembler();
    let settle!: { resolve: (view: GatewayView) => void; reject: (error: Error) => void };
    const answer = new Promise<GatewayView>((resolve, reject) => (settle = { resolve, reject }));
    const sub = nc.subscribe(inbox, {
      callback: (error, msg) => {
        if (error)
          return settle.reject(new TransportUnavailableError(`snapshot inbox failed: ${error.message}`, { cause: error }));
        // The server's "no responders" status (no control plane listening), sent because nats.js
        // connects with headers and no_responders on.
        if (msg.headers?.hasError)
          return settle.reject(
            new TransportUnavailableError(
              msg.headers.code === 503 ? 'no snapshot service is running' : `snapshot request failed: ${msg.headers.description}`,
            ),
          );
        try {
          const result = assembler.add(msg.data);
          if (!result.done) return;
          if ('error' in result) settle.reject(new SnapshotRefusedError(result.error));
          else settle.resolve(result.view);
        } catch (cause) {
          // Never throw here: this runs inside nats.js's message parser.
          const reason = cause instanceof SnapshotAssemblyError ? cause.message : String(cause);
          settle.reject(new TransportUnavailableError(`unusable snapshot answer: ${reason}`, { cause }));
        }
      },
    });
    const timer = setTimeout(
      () => settle.reject(new TransportUnavailableError(`no complete snapshot within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      nc.publish(subjects.snapshot(this.address), toBinary(SnapshotRequestSchema, request), { reply: inbox });
      return await answer;
    } catch (error) {
      if (error instanceof SnapshotRefusedError || error instanceof TransportUnavailableError) throw error;
      throw new TransportUnavailableError(`cannot request a snapshot: ${String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      sub.unsubscribe();
    }
  }

  async requestQuotaLease(request: QuotaLeaseRequest, timeoutMs: number): Promise<QuotaLeaseReply> {
    const nc = this.#nc;
    if (!nc || !this.#connected) throw new TransportUnavailableError('not connected to NATS');
    let msg: Msg;
    try {
      // The connection's inbox prefix is the gateway's own: the reply lands where it may subscribe.
      msg = await nc.request(subjects.quota(this.address), toBinary(QuotaLeaseRequestSchema, request), { timeout: timeoutMs });
    } catch (error) {
      throw new TransportUnavailableError(`quota lease request failed: ${String(error)}`, { cause: error });
    }
    try {
      return fromBinary(QuotaLeaseReplySchema, msg.data);
    } catch (error) {
      throw new TransportUnavailableError(`unusable quota lease answer: ${String(error)}`, { cause: error });
    }
  }

  report(report: AgentReport): Promise<void> {
    const nc = this.#nc;
    // Best effort: while disconnected nats.js would buffer it, and the next heartbeat says the same.
    if (!nc || !this.#connected) return Promise.resolve();
    try {
      nc.publish(subjects.reports(this.address), toBinary(AgentReportSchema, report));
    } catch (error) {
      this.#log('warn', 'could not publish a report', { error: String(error) });
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#loop;
    this.#closed = true;
    this.#wake?.();
    const nc = this.#nc;
    if (nc && !nc.isClosed()) {
      // A drain flushes through the server: only worth it (and only bounded) while connected.
      if (this.#connected) await nc.drain().catch(() => nc.close());
      else await nc.close();
    }
    await this.#loop;
  }
}
