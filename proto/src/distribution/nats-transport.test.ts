import { randomBytes } from 'node:crypto';
import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AgentReportSchema,
  DeltaSchema,
  GatewayViewSchema,
  Health,
  SnapshotChunkSchema,
  SnapshotRequestSchema,
  type AgentReport,
  type Delta,
  type GatewayView,
} from '../index.js';
import { startNatsServer, type NatsServerHandle } from '../testing/index.js';
import { connectAgentTransport } from './nats-agent.js';
import type { Log } from './nats-connection.js';
import { connectControlPlaneTransport, GENERIC_SNAPSHOT_ERROR, type NatsControlPlaneTransport } from './nats-control-plane.js';
import type { GatewayAddress } from './subjects.js';
import { SnapshotRefusedError, TransportUnavailableError, type AgentTransport, type Closable } from './transport.js';

const MAX_PAYLOAD = 64 * 1024;
const g1: GatewayAddress = { tenantId: 't1', gatewayId: 'g1' };
const g2: GatewayAddress = { tenantId: 't2', gatewayId: 'g2' };
const request = create(SnapshotRequestSchema, { instanceId: 'i-1', haveRevision: 0n, accessToken: 'tok' });

/** Generous: the dev box is shared, and a loaded one must not make these flaky. Waits inside are bounded too. */
const generous = { timeout: 30_000 };

/** Everything a test opened, closed after it (in reverse order). */
const opened: Closable[] = [];
function track<T extends Closable>(thing: T): T {
  opened.unshift(thing);
  return thing;
}
afterEach(async () => {
  for (const thing of opened.splice(0)) await thing.close();
});

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function logSpy() {
  const entries: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const log: Log = (level, message, fields) => void entries.push({ level, message, fields });
  return { log, entries };
}

/** A view of about `kib` KiB of random named values. */
function bigView(kib: number, revision = 5n): GatewayView {
  return create(GatewayViewSchema, {
    tenantId: 't1',
    gatewayId: 'g1',
    revision,
    contentHash: 'f'.repeat(64),
    apis: [{ id: 'api_1', name: 'orders', path: 'orders', operations: [{ id: 'op_1', method: 'GET', urlTemplate: '/o/{id}' }] }],
    namedValues: Array.from({ length: kib }, (_, i) => ({ name: `nv_${i}`, value: randomBytes(512).toString('hex') })),
  });
}

function agentFor(server: NatsServerHandle, address: GatewayAddress, log?: Log): AgentTransport {
  return track(
    connectAgentTransport({ servers: server.url, address, reconnectTimeWaitMs: 100, name: `agent-${address.gatewayId}`, log }),
  );
}

async function controlPlaneFor(server: NatsServerHandle, log?: Log): Promise<NatsControlPlaneTransport> {
  return track(await connectControlPlaneTransport({ servers: server.url, reconnectTimeWaitMs: 100, name: 'control-plane', log }));
}

/** A plain connection (no permissions on this server) that records what arrives on `subject`. */
async function spy(server: NatsServerHandle, subject: string): Promise<{ nc: NatsConnection; messages: Msg[] }> {
  const nc = await connect({ servers: server.url });
  track({ close: () => nc.close() });
  const messages: Msg[] = [];
  nc.subscribe(subject, { callback: (_error, msg) => void messages.push(msg) });
  await nc.flush();
  return { nc, messages };
}

describe('NATS config transport', generous, () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ maxPayload: MAX_PAYLOAD });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('delivers deltas only to the addressed gateway, decoded intact', async () => {
    const cp = await controlPlaneFor(server);
    const a1 = agentFor(server, g1);
    const a2 = agentFor(server, g2);
    const got1: Delta[] = [];
    const got2: Delta[] = [];
    a1.onDelta((delta) => got1.push(delta));
    a2.onDelta((delta) => got2.push(delta));
    await waitFor('agents connected', () => a1.connected && a2.connected);

    const toG1 = create(DeltaSchema, { fromRevision: 1n, toRevision: 2n, contentHash: 'h2', removedApiIds: ['api_9'] });
    const toG2 = create(DeltaSchema, {
      fromRevision: 7n,
      toRevision: 8n,
      contentHash: 'h8',
      upsertedNamedValues: [{ name: 'region', value: 'eu' }],
    });
    await cp.publishDelta(g1, toG1);
    await cp.publishDelta(g2, toG2);
    await waitFor('both deltas', () => got1.length === 1 && got2.length === 1);
    // A third one to g1, so that anything misrouted would have arrived by then.
    await cp.publishDelta(g1, create(DeltaSchema, { fromRevision: 2n, toRevision: 3n }));
    await waitFor('third delta', () => got1.length === 2);

    expect(equals(DeltaSchema, got1[0]!, toG1)).toBe(true);
    expect(got1[1]!.toRevision).toBe(3n);
    expect(got2).toHaveLength(1);
    expect(equals(DeltaSchema, got2[0]!, toG2)).toBe(true);
    expect(got2[0]!.upsertedNamedValues[0]?.value).toBe('eu');
  });

  it('drops undecodable deltas with a warning and keeps delivering', async () => {
    const { log, entries } = logSpy();
    const a1 = agentFor(server, g1, log);
    const got: Delta[] = [];
    a1.onDelta((delta) => got.push(delta));
    await waitFor('agent connected', () => a1.connected);
    const raw = await spy(server, 'unused');
    raw.nc.publish('portico.cfg.t1.g1', new Uint8Array([0xff, 0xff, 0xff]));
    raw.nc.publish('portico.cfg.t1.g1', toBinary(DeltaSchema, create(DeltaSchema, { toRevision: 4n })));
    await waitFor('good delta', () => got.length === 1);
    expect(got[0]!.toRevision).toBe(4n);
    expect(entries.filter((e) => e.message === 'dropping an undecodable delta')).toHaveLength(1);
  });

  it('chunks a snapshot larger than the max payload and reassembles an equal view', async () => {
    const cp = await controlPlaneFor(server);
    const view = bigView(3 * 1024); // ~3 MiB
    const calls: [GatewayAddress, string][] = [];
    await cp.serveSnapshots((from, req) => {
      calls.push([from, req.instanceId]);
      return Promise.resolve(view);
    }).ready;
    const inbox = await spy(server, '_INBOX.t1.g1.>');
    const a1 = agentFor(server, g1);
    await waitFor('agent connected', () => a1.connected);

    const got = await a1.requestSnapshot(request, 10_000);

    expect(equals(GatewayViewSchema, got, view)).toBe(true);
    expect(got.namedValues).toHaveLength(3 * 1024);
    expect(calls).toEqual([[g1, 'i-1']]);
    await waitFor('spy saw every chunk', () => inbox.messages.length >= 48);
    const chunks = inbox.messages.map((msg) => fromBinary(SnapshotChunkSchema, msg.data));
    const count = chunks[0]!.count;
    expect(count).toBeGreaterThanOrEqual(48);
    expect(chunks).toHaveLength(count);
    expect(chunks.map((chunk) => chunk.index)).toEqual([...Array(count).keys()]);
    for (const msg of inbox.messages) expect(msg.data.length).toBeLessThanOrEqual(MAX_PAYLOAD);
    expect(new Set(chunks.map((chunk) => `${chunk.revision}/${chunk.contentHash}`))).toEqual(new Set([`5/${'f'.repeat(64)}`]));
  });

  it('turns a delta larger than the max payload into a resync delta', async () => {
    const { log, entries } = logSpy();
    const cp = await controlPlaneFor(server, log);
    const a1 = agentFor(server, g1);
    const got: Delta[] = [];
    a1.onDelta((delta) => got.push(delta));
    await waitFor('agent connected', () => a1.connected);
    const huge = create(DeltaSchema, {
      fromRevision: 10n,
      toRevision: 11n,
      contentHash: 'h11',
      upsertedNamedValues: bigView(100).namedValues,
    });
    expect(toBinary(DeltaSchema, huge).length).toBeGreaterThan(MAX_PAYLOAD);

    await cp.publishDelta(g1, huge);
    await waitFor('resync delta', () => got.length === 1);

    expect(
      equals(DeltaSchema, got[0]!, create(DeltaSchema, { fromRevision: 10n, toRevision: 11n, contentHash: 'h11', resync: true })),
    ).toBe(true);
    expect(entries.map((e) => e.message)).toContain('delta exceeds the NATS max payload; publishing a resync instead');
  });

  it("rejects with the handler's refusal, and hides a crash behind a generic message", async () => {
    const { log, entries } = logSpy();
    const cp = await controlPlaneFor(server, log);
    let mode: 'refuse' | 'crash' = 'refuse';
    await cp.serveSnapshots(() => {
      if (mode === 'refuse') throw new SnapshotRefusedError('unknown gateway t1/g1');
      return Promise.reject(new Error('connection to postgres://admin:hunter2@db failed'));
    }).ready;
    const a1 = agentFor(server, g1);
    await waitFor('agent connected', () => a1.connected);

    const refused = await a1.requestSnapshot(request, 5000).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SnapshotRefusedError);
    expect((refused as Error).message).toBe('unknown gateway t1/g1');

    mode = 'crash';
    const crashed = await a1.requestSnapshot(request, 5000).catch((error: unknown) => error);
    expect(crashed).toBeInstanceOf(SnapshotRefusedError);
    expect((crashed as Error).message).toBe(GENERIC_SNAPSHOT_ERROR);
    const logged = entries.find((e) => e.message === 'snapshot handler failed');
    expect(logged?.fields?.error).toContain('hunter2');
  });

  it('answers requests concurrently: a slow view does not hold up the next request', async () => {
    const cp = await controlPlaneFor(server);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await cp.serveSnapshots(async (_from, req) => {
      if (req.instanceId === 'slow') await held;
      return bigView(1, req.instanceId === 'slow' ? 1n : 2n);
    }).ready;
    const a1 = agentFor(server, g1);
    await waitFor('agent connected', () => a1.connected);

    const slowAnswer = a1.requestSnapshot(create(SnapshotRequestSchema, { instanceId: 'slow' }), 5000);
    const fast = await a1.requestSnapshot(create(SnapshotRequestSchema, { instanceId: 'fast' }), 2000);
    expect(fast.revision).toBe(2n);
    release();
    expect((await slowAnswer).revision).toBe(1n);
  });

  it('answers an undecodable request with an error chunk', async () => {
    const cp = await controlPlaneFor(server);
    const handler = vi.fn(() => Promise.resolve(bigView(1)));
    await cp.serveSnapshots(handler).ready;
    const inbox = await spy(server, '_INBOX.t1.g1.raw');
    inbox.nc.publish('portico.cfg.snapshot.t1.g1', new Uint8Array([0xff, 0xff, 0xff]), { reply: '_INBOX.t1.g1.raw' });
    await waitFor('error chunk', () => inbox.messages.length === 1);
    expect(fromBinary(SnapshotChunkSchema, inbox.messages[0]!.data).error).toBe('malformed snapshot request');
    expect(handler).not.toHaveBeenCalled();
  });

  it('fails with TransportUnavailableError, within the timeout, when nobody serves snapshots', async () => {
    const a1 = agentFor(server, g1);
    await waitFor('agent connected', () => a1.connected);
    const started = Date.now();
    const error = await a1.requestSnapshot(request, 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportUnavailableError);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('times out with TransportUnavailableError when the answer is incomplete', async () => {
    const a1 = agentFor(server, g1);
    await waitFor('agent connected', () => a1.connected);
    // A responder that sends only the first of two chunks.
    const raw = await spy(server, 'unused');
    raw.nc.subscribe('portico.cfg.snapshot.t1.g1', {
      callback: (_error, msg) => {
        msg.respond(toBinary(SnapshotChunkSchema, create(SnapshotChunkSchema, { index: 0, count: 2, data: new Uint8Array(3) })));
      },
    });
    await raw.nc.flush();
    const started = Date.now();
    const error = await a1.requestSnapshot(request, 300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportUnavailableError);
    expect((error as Error).message).toBe('no complete snapshot within 300 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("never answers into another gateway's inbox (reply-subject spoofing)", async () => {
    const { log, entries } = logSpy();
    const cp = await controlPlaneFor(server, log);
    const handler = vi.fn(() => Promise.resolve(bigView(1)));
    await cp.serveSnapshots(handler).ready;
    const victim = await spy(server, '_INBOX.t2.g2.>');
    const elsewhere = await spy(server, 'portico.leak');

    victim.nc.publish('portico.cfg.snapshot.t1.g1', toBinary(SnapshotRequestSchema, request), { reply: '_INBOX.t2.g2.x' });
    victim.nc.publish('portico.cfg.snapshot.t1.g1', toBinary(SnapshotRequestSchema, request), { reply: 'portico.leak' });
    victim.nc.publish('portico.cfg.snapshot.t1.g1', toBinary(SnapshotRequestSchema, request), { reply: '_INBOX.t1.g1' });
    await victim.nc.flush();
    // A genuine request afterwards is answered: by then the spoofed ones were processed.
    const a1 = agentFor(server, g1);
    await waitFor('agent connected', () => a1.connected);
    const view = await a1.requestSnapshot(request, 5000);
    expect(view.revision).toBe(5n);
    await victim.nc.flush();

    expect(handler).toHaveBeenCalledTimes(1);
    expect(victim.messages).toEqual([]);
    expect(elsewhere.messages).toEqual([]);
    const refusals = entries.filter(
      (e) => e.message === 'refusing a snapshot request whose reply subject is not the gateway inbox',
    );
    expect(refusals.map((e) => e.fields?.reply)).toEqual(['_INBOX.t2.g2.x', 'portico.leak', '_INBOX.t1.g1']);
  });

  it('delivers reports with the address of their sender', async () => {
    const cp = await controlPlaneFor(server);
    const got: [GatewayAddress, AgentReport][] = [];
    await cp.onReports((from, report) => void got.push([from, report])).ready;
    const a1 = agentFor(server, g1);
    const a2 = agentFor(server, g2);
    await waitFor('agents connected', () => a1.connected && a2.connected);

    await a1.report(
      create(AgentReportSchema, {
        report: { case: 'heartbeat', value: { instanceId: 'i-1', revision: 3n, health: Health.SERVING } },
      }),
    );
    await a2.report(
      create(AgentReportSchema, {
        report: { case: 'applyResult', value: { instanceId: 'i-2', revision: 8n, applied: false, error: 'bad' } },
      }),
    );
    await waitFor('two reports', () => got.length === 2);

    const byGateway = new Map(got.map(([from, report]) => [from.gatewayId, { from, report }]));
    expect(byGateway.get('g1')?.from).toEqual(g1);
    expect(byGateway.get('g1')?.report.report).toMatchObject({ case: 'heartbeat', value: { instanceId: 'i-1', revision: 3n } });
    expect(byGateway.get('g2')?.from).toEqual(g2);
    expect(byGateway.get('g2')?.report.report).toMatchObject({ case: 'applyResult', value: { revision: 8n, error: 'bad' } });
  });

  it('shares snapshot requests and reports between control-plane replicas: each is handled once', async () => {
    const cp1 = await controlPlaneFor(server);
    const cp2 = await controlPlaneFor(server);
    const served = [0, 0];
    const reported = [0, 0];
    for (const [i, cp] of [cp1, cp2].entries()) {
      await cp.serveSnapshots(() => {
        served[i]!++;
        return Promise.resolve(bigView(1, BigInt(i + 1)));
      }).ready;
      await cp.onReports(() => void reported[i]!++).ready;
    }
    const inbox = await spy(server, '_INBOX.t1.g1.>');
    const a1 = agentFor(server, g1);
    await waitFor('agent connected', () => a1.connected);

    const views = await Promise.all(Array.from({ length: 20 }, () => a1.requestSnapshot(request, 5000)));
    for (let i = 0; i < 20; i++)
      await a1.report(create(AgentReportSchema, { report: { case: 'heartbeat', value: { revision: BigInt(i) } } }));
    await waitFor('all reports', () => reported[0]! + reported[1]! === 20);
    await inbox.nc.flush();

    expect(served[0]! + served[1]!).toBe(20);
    expect(inbox.messages).toHaveLength(20);
    expect(views.filter((v) => v.revision === 1n)).toHaveLength(served[0]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reported[0]! + reported[1]!).toBe(20);
  });
});

describe('NATS config transport across outages', generous, () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses to start the control plane while NATS is unreachable', async () => {
    const down = await startNatsServer();
    await down.stop();
    await expect(connectControlPlaneTransport({ servers: down.url })).rejects.toThrow();
  });

  it('starts an agent while NATS is down, connects when it comes up, and reconnects after a restart', async () => {
    await server.stop();
    const { log, entries } = logSpy();
    const a1 = agentFor(server, g1, log);
    const changes: boolean[] = [];
    a1.onConnectionChange((connected) => changes.push(connected));
    const got: Delta[] = [];
    a1.onDelta((delta) => got.push(delta));

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a1.connected).toBe(false);
    expect(changes).toEqual([]);
    await expect(a1.report(create(AgentReportSchema, {}))).resolves.toBeUndefined();
    await expect(a1.requestSnapshot(request, 1000)).rejects.toBeInstanceOf(TransportUnavailableError);
    expect(entries.find((e) => e.message === 'cannot connect to NATS; retrying')?.level).toBe('warn');

    await server.restart();
    await waitFor('agent connected', () => a1.connected);
    expect(changes).toEqual([true]);
    const cp = await controlPlaneFor(server);
    await cp.publishDelta(g1, create(DeltaSchema, { fromRevision: 1n, toRevision: 2n }));
    await waitFor('first delta', () => got.length === 1);

    await server.restart();
    await waitFor('agent reconnected', () => changes.length === 3);
    expect(changes).toEqual([true, false, true]);
    expect(a1.connected).toBe(true);
    // The control plane reconnects by itself too; until it has, deltas are dropped (with a warning).
    await waitFor('control plane reconnected', () => cp.connected);
    await cp.publishDelta(g1, create(DeltaSchema, { fromRevision: 2n, toRevision: 3n }));
    await waitFor('delta after the restart', () => got.length === 2);
    expect(got.map((delta) => delta.toRevision)).toEqual([2n, 3n]);
  });

  it('keeps serving snapshots after a restart, and says when it drops a delta while disconnected', async () => {
    const { log, entries } = logSpy();
    const cp = await controlPlaneFor(server, log);
    await cp.serveSnapshots(() => Promise.resolve(bigView(1, 9n))).ready;
    const a1 = agentFor(server, g1);
    await waitFor('agent connected', () => a1.connected);
    expect((await a1.requestSnapshot(request, 5000)).revision).toBe(9n);

    await server.stop();
    await waitFor('control plane disconnected', () => !cp.connected);
    await waitFor('agent disconnected', () => !a1.connected);
    await expect(cp.publishDelta(g1, create(DeltaSchema, { toRevision: 10n }))).resolves.toBeUndefined();
    expect(entries.filter((e) => e.message === 'NATS is disconnected; delta not published')).toHaveLength(1);
    expect(entries.some((e) => e.level === 'warn' && e.message === 'NATS disconnected; reconnecting')).toBe(true);

    await server.restart();
    await waitFor('both reconnected', () => cp.connected && a1.connected);
    // The queue subscription came back with the connection.
    expect((await a1.requestSnapshot(request, 5000)).revision).toBe(9n);
  });

  it('closes promptly while NATS is down', async () => {
    const cp = await connectControlPlaneTransport({ servers: server.url, reconnectTimeWaitMs: 100 });
    await server.stop();
    const a1 = connectAgentTransport({ servers: server.url, address: g1, reconnectTimeWaitMs: 100 });
    await waitFor('control plane disconnected', () => !cp.connected);
    const started = Date.now();
    await Promise.all([a1.close(), cp.close()]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(a1.connected).toBe(false);
    expect(cp.connected).toBe(false);
    await server.restart();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a1.connected).toBe(false);
  });

  it('rejects ids that would widen subject permissions before connecting', () => {
    expect(() => connectAgentTransport({ servers: server.url, address: { tenantId: 't1', gatewayId: '*' } })).toThrow(
      /subject token/,
    );
  });
});

describe('NATS config transport with per-gateway permissions', generous, () => {
  // Static users with the permissions DESIGN §6 gives each gateway (operator mode grants the same).
  const agentUser = (t: string, g: string) =>
    `{ user: ${g}, password: ${g}pass, permissions: { ` +
    `publish: { allow: ["portico.cfg.snapshot.${t}.${g}", "portico.hb.${t}.${g}"] }, ` +
    `subscribe: { allow: ["portico.cfg.${t}.${g}", "_INBOX.${t}.${g}.>"] } } }`;
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({
      extraConfig: `authorization { users: [ { user: cp, password: cppass }, ${agentUser('t1', 'g1')} ] }`,
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('works within its own subjects and inbox', async () => {
    const cp = track(await connectControlPlaneTransport({ servers: server.url, user: 'cp', pass: 'cppass' }));
    await cp.serveSnapshots(() => Promise.resolve(bigView(1, 4n))).ready;
    const reports: GatewayAddress[] = [];
    await cp.onReports((from) => void reports.push(from)).ready;
    const a1 = track(connectAgentTransport({ servers: server.url, user: 'g1', pass: 'g1pass', address: g1 }));
    const got: Delta[] = [];
    a1.onDelta((delta) => got.push(delta));
    await waitFor('agent connected', () => a1.connected);

    expect((await a1.requestSnapshot(request, 5000)).revision).toBe(4n);
    await cp.publishDelta(g1, create(DeltaSchema, { toRevision: 5n }));
    await a1.report(create(AgentReportSchema, { report: { case: 'heartbeat', value: { revision: 5n } } }));
    await waitFor('delta and report', () => got.length === 1 && reports.length === 1);
    expect(got[0]!.toRevision).toBe(5n);
    expect(reports).toEqual([g1]);
  });

  it('logs the permission violations of a misconfigured agent (they show only in the status stream)', async () => {
    const { log, entries } = logSpy();
    // g1's credentials, configured with g2's address: every subscription and publish is denied.
    const wrong = track(connectAgentTransport({ servers: server.url, user: 'g1', pass: 'g1pass', address: g2, log }));
    wrong.onDelta(() => undefined);
    await waitFor('agent connected', () => wrong.connected);
    await waitFor('violation logged', () =>
      entries.some((e) => e.message.includes('Permissions Violation for Subscription to "portico.cfg.t2.g2"')),
    );
    expect(entries.find((e) => e.message.includes('Permissions Violation'))?.level).toBe('error');
    await waitFor('subscription failure logged', () => entries.some((e) => e.message === 'delta subscription failed'));
    // The connection stays open (notes, table row b), so the agent still counts as connected.
    expect(wrong.connected).toBe(true);
    const error = await wrong.requestSnapshot(request, 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportUnavailableError);
  });
});
