import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  AgentReportSchema,
  DeltaSchema,
  QuotaLeaseReplySchema,
  QuotaLeaseRequestSchema,
  SnapshotRequestSchema,
  type AgentReport,
  type Delta,
  type QuotaLeaseRequest,
  type SnapshotRequest,
} from '../index.js';
import {
  DEFAULT_MAX_PAYLOAD,
  maxPayloadOf,
  natsOptions,
  silentLog,
  watchStatus,
  type Log,
  type NatsConnectionOptions,
} from './nats-connection.js';
import { encodeSnapshotChunks, encodeSnapshotError } from './snapshot-chunks.js';
import { addressOfSubject, subjects, type GatewayAddress } from './subjects.js';
import {
  SnapshotRefusedError,
  type Closable,
  type ControlPlaneTransport,
  type QuotaLeaseHandler,
  type ReportHandler,
  type SnapshotHandler,
} from './transport.js';

/** Queue groups: control-plane replicas share the work, one of them handles each message. */
export const SNAPSHOT_QUEUE = 'portico-snapshot';
export const REPORTS_QUEUE = 'portico-fleet';
export const QUOTA_QUEUE = 'portico-quota';

/** The rest of a reply subject after the inbox prefix: literal tokens only (no `*`, `>`, empty tokens). */
const LITERAL_INBOX_SUFFIX = /^[^.*>\s]+(?:\.[^.*>\s]+)*$/;

/** What an agent is told when the handler failed for a reason that is not a refusal. */
export const GENERIC_SNAPSHOT_ERROR = 'snapshot failed; see control-plane logs';

/** A subscription of the control plane; `ready` resolves once the server has it (a flush). */
export interface NatsServing extends Closable {
  readonly ready: Promise<void>;
}

/** The NATS control-plane transport: its subscriptions also say when they are active. */
export interface NatsControlPlaneTransport extends ControlPlaneTransport {
  /** Whether the connection to NATS is up now (it reconnects by itself). */
  readonly connected: boolean;
  serveSnapshots(handler: SnapshotHandler): NatsServing;
  onReports(handler: ReportHandler): NatsServing;
  serveQuotaLeases(handler: QuotaLeaseHandler): NatsServing;
}

/**
 * The control plane's side of the config protocol over NATS. Rejects when NATS cannot be reached
 * now (the control plane needs it to start); once connected, it reconnects forever.
 *
 * @example
 * const transport = await connectControlPlaneTransport({ servers: 'nats://127.0.0.1:4222', credsFile, log });
 * transport.serveSnapshots((from, request) => buildView(from, request));
 * await transport.publishDelta({ tenantId: 't1', gatewayId: 'g1' }, delta);
 */
export async function connectControlPlaneTransport(
  options: NatsConnectionOptions & { log?: Log },
): Promise<NatsControlPlaneTransport> {
  const log = options.log ?? silentLog;
  const nc = await connect(natsOptions(options));
  log('info', 'control plane connected to NATS', { server: nc.getServer() });
  return new NatsControlPlane(nc, log);
}

class NatsControlPlane implements NatsControlPlaneTransport {
  readonly #nc: NatsConnection;
  readonly #log: Log;
  #maxPayload: number;
  /** Snapshot answers being built or sent, awaited by close(). */
  readonly #inFlight = new Set<Promise<void>>();
  readonly #subscriptions = new Set<Subscription>();
  #connected = true;
  #generation = 0;

  constructor(nc: NatsConnection, log: Log) {
    this.#nc = nc;
    this.#log = log;
    this.#maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    watchStatus(nc, log, (connected) => this.#connectionChanged(connected));
  }

  /** Connected again only once a flush went through: the server then has our subscriptions back. */
  #connectionChanged(connected: boolean): void {
    const generation = ++this.#generation;
    if (!connected) return void (this.#connected = false);
    this.#nc.flush().then(
      () => {
        if (generation === this.#generation) this.#connected = true;
      },
      () => undefined, // Disconnected again before the flush: the next reconnect tries again.
    );
  }

  get connected(): boolean {
    return this.#connected && !this.#nc.isClosed();
  }

  #currentMaxPayload(): number {
    return (this.#maxPayload = maxPayloadOf(this.#nc, this.#maxPayload));
  }

  publishDelta(to: GatewayAddress, delta: Delta): Promise<void> {
    const subject = subjects.deltas(to);
    if (!this.connected) {
      // nats.js 3 drops what is published while disconnected anyway (each reconnect attempt
      // resets its outbound buffer), so say so. The agent detects the gap at its next delta,
      // and asks for a snapshot when its own connection comes back.
      this.#log('warn', 'NATS is disconnected; delta not published', { subject, toRevision: String(delta.toRevision) });
      return Promise.resolve();
    }
    let bytes = toBinary(DeltaSchema, delta);
    if (bytes.length > this.#currentMaxPayload()) {
      // Too big for one message: send a resync instead, which makes the agent fetch a (chunked)
      // snapshot unless it already runs `content_hash`. Deltas are not chunked, so that an agent
      // never holds half a delta.
      this.#log('warn', 'delta exceeds the NATS max payload; publishing a resync instead', {
        subject,
        bytes: bytes.length,
        maxPayload: this.#maxPayload,
      });
      const { fromRevision, toRevision, contentHash } = delta;
      bytes = toBinary(DeltaSchema, create(DeltaSchema, { fromRevision, toRevision, contentHash, resync: true }));
    }
    this.#nc.publish(subject, bytes);
    return Promise.resolve();
  }

  serveSnapshots(handler: SnapshotHandler): NatsServing {
    return this.#serveRequests(subjects.allSnapshotRequests, SNAPSHOT_QUEUE, 'snapshot', (msg) =>
      this.#answerSnapshot(handler, msg),
    );
  }

  /**
   * Requests on `subject` shared with other replicas; each answered in the background (a handler
   * may be slow) so delivery never blocks, and awaited by close().
   */
  #serveRequests(subject: string, queue: string, what: string, answer: (msg: Msg) => Promise<void>): NatsServing {
    const sub = this.#nc.subscribe(subject, {
      queue,
      callback: (error, msg) => {
        if (error) return this.#log('error', `${what} subscription failed`, { error: error.message });
        const answering = answer(msg).catch((cause: unknown) =>
          this.#log('error', `could not answer a ${what} request`, { subject: msg.subject, error: String(cause) }),
        );
        this.#inFlight.add(answering);
        void answering.finally(() => this.#inFlight.delete(answering));
      },
    });
    return this.#track(sub);
  }

  async #answerSnapshot(handler: SnapshotHandler, msg: Msg): Promise<void> {
    const requester = this.#requester(msg, 'snapshot');
    if (requester === undefined) return;
    const { from, reply } = requester;
    let request: SnapshotRequest;
    try {
      request = fromBinary(SnapshotRequestSchema, msg.data);
    } catch (error) {
      this.#log('warn', 'undecodable snapshot request', { subject: msg.subject, error: String(error) });
      return this.#send(reply, [encodeSnapshotError('malformed snapshot request')]);
    }

    let chunks: Uint8Array[];
    try {
      const view = await handler(from, request);
      chunks = encodeSnapshotChunks(view, this.#currentMaxPayload());
    } catch (error) {
      if (error instanceof SnapshotRefusedError) {
        this.#log('info', 'snapshot request refused', { subject: msg.subject, reason: error.message });
        chunks = [encodeSnapshotError(error.message)];
      } else {
        // Never send internals to a gateway; the detail stays in our logs.
        this.#log('error', 'snapshot handler failed', { subject: msg.subject, error: String(error) });
        chunks = [encodeSnapshotError(GENERIC_SNAPSHOT_ERROR)];
      }
    }
    await this.#send(reply, chunks);
  }

  /**
   * Who asked, from the subject, and where to answer. Publish permissions do not cover the reply
   * subject (nats-auth notes, gotcha 5): a gateway could name another gateway's inbox, or any
   * subject, as reply. Answer only into the requester's own inbox, and otherwise send nothing.
   */
  #requester(msg: Msg, what: string): { from: GatewayAddress; reply: string } | undefined {
    let from: GatewayAddress;
    try {
      from = addressOfSubject(msg.subject);
    } catch (error) {
      this.#log('warn', `ignoring a ${what} request on an invalid subject`, { subject: msg.subject, error: String(error) });
      return undefined;
    }
    const inbox = `${subjects.inboxPrefix(from)}.`;
    const reply = msg.reply ?? '';
    if (reply.startsWith(inbox) && LITERAL_INBOX_SUFFIX.test(reply.slice(inbox.length))) return { from, reply };
    this.#log('warn', `refusing a ${what} request whose reply subject is not the gateway inbox`, {
      subject: msg.subject,
      reply,
      expectedPrefix: inbox,
    });
    return undefined;
  }

  serveQuotaLeases(handler: QuotaLeaseHandler): NatsServing {
    return this.#serveRequests(subjects.allQuotaRequests, QUOTA_QUEUE, 'quota', (msg) => this.#answerQuota(handler, msg));
  }

  async #answerQuota(handler: QuotaLeaseHandler, msg: Msg): Promise<void> {
    const requester = this.#requester(msg, 'quota');
    if (requester === undefined) return;
    const { from, reply } = requester;
    let request: QuotaLeaseRequest;
    try {
      request = fromBinary(QuotaLeaseRequestSchema, msg.data);
    } catch (error) {
      this.#log('warn', 'undecodable quota request', { subject: msg.subject, error: String(error) });
      return this.#send(reply, [
        toBinary(QuotaLeaseReplySchema, create(QuotaLeaseReplySchema, { error: 'malformed quota request' })),
      ]);
    }
    let answer;
    try {
      answer = await handler(from, request);
    } catch (error) {
      this.#log('error', 'quota lease handler failed', { subject: msg.subject, error: String(error) });
      answer = create(QuotaLeaseReplySchema, { error: 'quota lease failed; see control-plane logs' });
    }
    await this.#send(reply, [toBinary(QuotaLeaseReplySchema, answer)]);
  }

  async #send(reply: string, chunks: Uint8Array[]): Promise<void> {
    for (const chunk of chunks) this.#nc.publish(reply, chunk);
    await this.#nc.flush();
  }

  onReports(handler: ReportHandler): NatsServing {
    const sub = this.#nc.subscribe(subjects.allReports, {
      queue: REPORTS_QUEUE,
      callback: (error, msg) => {
        if (error) return this.#log('error', 'report subscription failed', { error: error.message });
        let from: GatewayAddress;
        let report: AgentReport;
        try {
          from = addressOfSubject(msg.subject);
          report = fromBinary(AgentReportSchema, msg.data);
        } catch (cause) {
          return this.#log('warn', 'dropping an undecodable report', { subject: msg.subject, error: String(cause) });
        }
        const failed = (cause: unknown) =>
          this.#log('error', 'report handler failed', { subject: msg.subject, error: String(cause) });
        try {
          void Promise.resolve(handler(from, report)).catch(failed);
        } catch (cause) {
          failed(cause);
        }
      },
    });
    return this.#track(sub);
  }

  #track(sub: Subscription): NatsServing {
    this.#subscriptions.add(sub);
    const ready = this.#nc.flush();
    ready.catch(() => undefined);
    return {
      ready,
      close: async () => {
        if (!this.#subscriptions.delete(sub)) return;
        await drainSubscription(sub);
      },
    };
  }

  async close(): Promise<void> {
    if (this.#nc.isClosed()) return;
    // Stop taking requests, let the answers being built go out, then drain the connection.
    await Promise.all([...this.#subscriptions].map(drainSubscription));
    this.#subscriptions.clear();
    await Promise.allSettled([...this.#inFlight]);
    if (this.#nc.isDraining()) return void (await this.#nc.closed());
    try {
      await this.#nc.drain();
    } catch {
      // Disconnected: nothing left to flush anywhere.
      await this.#nc.close();
    }
  }
}

async function drainSubscription(sub: Subscription): Promise<void> {
  if (sub.isClosed()) return;
  try {
    await sub.drain();
  } catch {
    sub.unsubscribe();
  }
}
