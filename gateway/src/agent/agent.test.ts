import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { DeltaSchema, SubscriptionScope, SubscriptionState, type AgentReport, type GatewayView } from '@portico/proto';
import { createInProcessTransport, SnapshotRefusedError, type InProcessTransport } from '@portico/proto/distribution';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startEchoServer } from '../echo/index.js';
import { sha256, view } from '../runtime/testing.js';
import { GatewayAgent } from './agent.js';

const address = { tenantId: 'ten_t1', gatewayId: 'gw_g1' };
const TOKEN = 'gwk_agent-test-token';
const KEY = 'demo-subscription-key';

let echo: Awaited<ReturnType<typeof startEchoServer>>;
beforeAll(async () => (echo = await startEchoServer()));
afterAll(() => echo.close());

/** A view at `revision` serving `/shop` with a keyed product; `extra` APIs are open. */
function shopView(revision: bigint, extra: string[] = []): GatewayView {
  return view({
    ...address,
    revision,
    contentHash: `hash-${revision}-${extra.join(',')}`,
    backends: [{ id: 'be_echo', targets: [{ url: echo.url }] }],
    apis: [
      {
        id: 'api_shop',
        path: 'shop',
        subscriptionRequired: true,
        subscriptionKeyHeaderName: 'Ocp-Apim-Subscription-Key',
        backendId: 'be_echo',
        operations: [{ id: 'op_any', method: 'GET', urlTemplate: '/*' }],
      },
      ...extra.map((name) => ({
        id: `api_${name}`,
        path: name,
        backendId: 'be_echo',
        operations: [{ id: `op_${name}`, method: 'GET', urlTemplate: '/*' }],
      })),
    ],
    products: [{ id: 'prd_1', subscriptionRequired: true, apiIds: ['api_shop'] }],
    subscriptions: [
      {
        id: 'sub_1',
        primaryKeySha256: sha256(KEY),
        state: SubscriptionState.ACTIVE,
        scope: SubscriptionScope.PRODUCT,
        scopeId: 'prd_1',
      },
    ],
  });
}

/** The control plane's side, played by the test: it serves `current` and records reports. */
function fakeControlPlane(transport: InProcessTransport, initial: GatewayView) {
  const state = { current: initial, snapshots: 0, reports: [] as AgentReport[] };
  void transport.controlPlane.serveSnapshots((from, request) => {
    if (request.accessToken !== TOKEN) return Promise.reject(new SnapshotRefusedError('access token is invalid'));
    state.snapshots++;
    return Promise.resolve(state.current);
  });
  void transport.controlPlane.onReports((_from, report) => void state.reports.push(report));
  return state;
}

const agents: GatewayAgent[] = [];
async function startAgent(options: Partial<Parameters<typeof GatewayAgent.start>[0]> = {}) {
  const agent = await GatewayAgent.start({
    ...address,
    accessToken: TOKEN,
    instanceId: `inst-${agents.length}`,
    host: '127.0.0.1',
    port: 0,
    adminPort: 0,
    heartbeatIntervalMs: 50,
    ...options,
  });
  agents.push(agent);
  return agent;
}
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

const get = (agent: GatewayAgent, path: string, key?: string) =>
  fetch(agent.trafficUrl + path, { headers: key ? { 'Ocp-Apim-Subscription-Key': key } : {} });

const until = async (check: () => boolean, what: string, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the gateway agent', () => {
  it('serves the snapshot, applies deltas in order and acknowledges each revision', async () => {
    const transport = createInProcessTransport();
    const cp = fakeControlPlane(transport, shopView(3n));
    const agent = await startAgent({ transport: transport.agent(address) });
    await agent.waitForRevision(3n);
    expect((await get(agent, '/shop/x', KEY)).status).toBe(200);
    expect((await get(agent, '/shop/x')).status).toBe(401);
    expect((await fetch(`${agent.adminUrl}/readyz`)).status).toBe(200);

    const next = shopView(5n, ['open']);
    await transport.controlPlane.publishDelta(
      address,
      create(DeltaSchema, { fromRevision: 3n, toRevision: 5n, contentHash: next.contentHash, upsertedApis: [next.apis[1]!] }),
    );
    await agent.waitForRevision(5n);
    expect((await get(agent, '/open/anything')).status).toBe(200);
    expect(agent.contentHash).toBe(next.contentHash);
    await until(
      () => cp.reports.some((r) => r.report.case === 'applyResult' && r.report.value.revision === 5n && r.report.value.applied),
      'the ack of revision 5',
    );
    await until(() => cp.reports.some((r) => r.report.case === 'heartbeat' && r.report.value.revision === 5n), 'a heartbeat');
    expect(cp.snapshots).toBe(1);
  });

  it('fetches a snapshot when a delta does not follow the revision it holds', async () => {
    const transport = createInProcessTransport();
    const cp = fakeControlPlane(transport, shopView(3n));
    const agent = await startAgent({ transport: transport.agent(address) });
    await agent.waitForRevision(3n);
    cp.current = shopView(9n, ['late']);
    await transport.controlPlane.publishDelta(
      address,
      create(DeltaSchema, { fromRevision: 7n, toRevision: 9n, contentHash: 'x' }),
    );
    await agent.waitForRevision(9n);
    expect(cp.snapshots).toBe(2);
    expect((await get(agent, '/late/a')).status).toBe(200);
  });

  it('NACKs a config it cannot compile, keeps serving the previous one, and takes the fix as a delta', async () => {
    const transport = createInProcessTransport();
    const cp = fakeControlPlane(transport, shopView(3n));
    const agent = await startAgent({ transport: transport.agent(address) });
    await agent.waitForRevision(3n);
    const broken = shopView(4n, ['bad']);
    broken.apis[1]!.backendId = 'be_missing';
    await transport.controlPlane.publishDelta(
      address,
      create(DeltaSchema, { fromRevision: 3n, toRevision: 4n, contentHash: broken.contentHash, upsertedApis: [broken.apis[1]!] }),
    );
    await until(
      () => cp.reports.some((r) => r.report.case === 'applyResult' && !r.report.value.applied && r.report.value.revision === 4n),
      'a NACK',
    );
    const nack = cp.reports.find((r) => r.report.case === 'applyResult' && !r.report.value.applied)!.report.value;
    expect(nack).toMatchObject({ error: 'api api_bad: backend be_missing is not in the view' });
    expect(agent.revision).toBe(3n);
    expect((await get(agent, '/shop/still-here', KEY)).status).toBe(200);

    // The fix chains onto the rejected revision: no snapshot needed.
    const fixed = shopView(5n, ['bad']);
    await transport.controlPlane.publishDelta(
      address,
      create(DeltaSchema, { fromRevision: 4n, toRevision: 5n, contentHash: fixed.contentHash, upsertedApis: [fixed.apis[1]!] }),
    );
    await agent.waitForRevision(5n);
    expect((await get(agent, '/bad/now-good')).status).toBe(200);
    expect(cp.snapshots).toBe(1);
  });

  it('starts from its sealed backup when the control plane does not answer, then catches up', async () => {
    const backupPath = path.join(mkdtempSync(path.join(tmpdir(), 'portico-agent-')), 'gateway.backup');
    const first = createInProcessTransport();
    fakeControlPlane(first, shopView(6n));
    const agent = await startAgent({ transport: first.agent(address), backupPath });
    await agent.waitForRevision(6n);
    await agent.close();

    // No snapshot service at all: the control plane is down.
    const down = createInProcessTransport();
    const restarted = await startAgent({ transport: down.agent(address), backupPath, snapshotTimeoutMs: 100 });
    expect(restarted.revision).toBe(6n);
    expect((await get(restarted, '/shop/from-backup', KEY)).status).toBe(200);
    const health = (await (await fetch(`${restarted.adminUrl}/healthz`)).json()) as { health: string };
    expect(health.health).toBe('serving_from_backup');

    // The control plane comes back with a newer config.
    fakeControlPlane(down, shopView(8n, ['newer']));
    await restarted.waitForRevision(8n, 15_000);
    expect((await get(restarted, '/newer/x')).status).toBe(200);
  });

  it('answers 503 until the first config and is not ready', async () => {
    const transport = createInProcessTransport();
    const agent = await startAgent({ transport: transport.agent(address), snapshotTimeoutMs: 50 });
    const res = await get(agent, '/shop/x', KEY);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('gateway_not_configured');
    expect((await fetch(`${agent.adminUrl}/readyz`)).status).toBe(503);
  });

  it('lets an in-flight request finish when it shuts down', async () => {
    const transport = createInProcessTransport();
    fakeControlPlane(transport, shopView(3n));
    const agent = await startAgent({ transport: transport.agent(address) });
    await agent.waitForRevision(3n);
    const slow = get(agent, '/shop/delay/300', KEY);
    await new Promise((r) => setTimeout(r, 50));
    await agent.close();
    expect((await slow).status).toBe(200);
  });
});
