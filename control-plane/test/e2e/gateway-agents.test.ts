import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { DeltaSchema } from '@portico/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from './agent-process.js';
import { agentEnv, provisionShop, startE2eStack, type E2eStack, type Shop } from './e2e-stack.js';

/**
 * Issue #4's "done when", end to end: the management API over HTTP, a control plane publishing
 * over a real NATS server, and `portico-gateway` agents in their own processes.
 */
describe('gateway agents configured by the control plane over NATS', () => {
  let stack: E2eStack;
  const agents: AgentProcess[] = [];
  let ids: Shop;
  let one: AgentProcess;
  let two: AgentProcess;
  const backupDir = mkdtempSync(path.join(tmpdir(), 'portico-e2e-'));

  const rest: E2eStack['rest'] = (method, route, body) => stack.rest(method, route, body);
  const ws = (route: string) => `/workspaces/${ids.workspaceId}${route}`;

  async function startAgent(instance: string): Promise<AgentProcess> {
    const agent = await startAgentProcess(agentEnv(stack, ids, instance, path.join(backupDir, `${instance}.backup`)));
    agents.push(agent);
    return agent;
  }

  const call = (agent: AgentProcess, route: string, key: string | null = ids.key) =>
    fetch(`${agent.url}${route}`, { headers: key ? { 'Ocp-Apim-Subscription-Key': key } : {} }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }));

  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<number> {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return Date.now() - started;
  }

  const instances = () =>
    rest<{
      items: {
        instanceKey: string;
        status: string;
        configHash: string | null;
        nackReason: string | null;
        counters: Record<string, number>;
      }[];
    }>('GET', `/gateways/${ids.gatewayId}/instances`).then((page) => page.items);

  beforeAll(async () => {
    stack = await startE2eStack('control-plane e2e');
    ids = await provisionShop(stack, 'e2e');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await stack?.close();
  });

  it('serves what the management API created on two separately started agents, and refuses a revoked key within 1 s on both', async () => {
    [one, two] = [await startAgent('agent-1'), await startAgent('agent-2')];
    for (const agent of [one, two]) {
      await until(async () => (await fetch(`${agent.adminUrl}/readyz`)).status === 200, 'the agent to be ready');
      expect(await call(agent, '/shop/orders/42')).toMatchObject({ status: 200, body: { method: 'GET', path: '/orders/42' } });
      expect(await call(agent, '/shop/orders/42', null)).toMatchObject({
        status: 401,
        body: { code: 'subscription_key_missing' },
      });
      expect((await call(agent, '/shop/orders/42', 'not-a-key')).status).toBe(401);
    }

    const revokedAt = Date.now();
    await rest('POST', ws(`/subscriptions/${ids.subscriptionId}/suspend`), { reason: 'card declined' });
    const committed = Date.now() - revokedAt;
    const waits = await Promise.all(
      [one, two].map((agent) =>
        until(async () => (await call(agent, '/shop/orders/42')).status === 403, 'the key to be refused', 5_000),
      ),
    );
    // From the mutation's response to refusal on each agent.
    for (const wait of waits) expect(wait).toBeLessThan(1_000);
    expect(committed).toBeLessThan(5_000);
    expect(await call(one, '/shop/x')).toMatchObject({ status: 403, body: { code: 'subscription_inactive' } });

    await rest('POST', ws(`/subscriptions/${ids.subscriptionId}/reactivate`), {});
    await until(
      async () => (await call(one, '/shop/x')).status === 200 && (await call(two, '/shop/x')).status === 200,
      'the key to work again',
    );

    await until(async () => {
      const list = await instances();
      return list.length === 2 && list.every((i) => i.status === 'in-sync');
    }, 'both instances to be listed in sync');
  }, 60_000);

  /** A new API on the gateway, open (no key), answering GET on any path. */
  async function addOpenApi(name: string, backendId: string): Promise<{ id: string; version: number }> {
    const api = await rest<{ id: string; version: number }>('POST', ws('/apis'), {
      name,
      path: name,
      backendId,
      subscriptionRequired: false,
    });
    await rest('POST', ws(`/apis/${api.id}/operations`), { name: 'anything', method: 'GET', urlTemplate: '/*' });
    await rest('PUT', `/gateways/${ids.gatewayId}/apis/${api.id}`);
    return api;
  }

  it('NACKs a config the agents cannot compile, keeps serving the previous one, and shows it; then takes the fix', async () => {
    // Accepted by the control plane (it cannot parse every PEM it stores), refused by the agents.
    await rest('POST', ws('/named-values'), {
      name: 'legacy-cert',
      value: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    });
    await rest('POST', ws('/named-values'), { name: 'legacy-key', value: 'not a key', secret: true });
    const broken = await rest<{ id: string }>('POST', ws('/backends'), {
      name: 'Legacy mTLS',
      url: 'https://127.0.0.1:9',
      credentials: { clientCertificate: { certificate: 'legacy-cert', privateKey: 'legacy-key' } },
    });
    const legacy = await addOpenApi('legacy', broken.id);

    await until(async () => {
      const list = await instances();
      return list.length === 2 && list.every((i) => i.status === 'failed');
    }, 'both instances to be listed as failed');
    for (const instance of await instances())
      expect(instance.nackReason).toMatch(new RegExp(`backend ${broken.id}: client certificate or key unusable`));
    for (const agent of [one, two]) {
      expect((await call(agent, '/shop/still-served')).status).toBe(200);
      expect((await call(agent, '/legacy/x', null)).body).toMatchObject({ code: 'api_not_found' });
    }

    await rest('PATCH', ws(`/apis/${legacy.id}`), { version: legacy.version, backendId: ids.backendId });
    for (const agent of [one, two]) await until(async () => (await call(agent, '/legacy/x', null)).status === 200, 'the fix');
    await until(async () => (await instances()).every((i) => i.status === 'in-sync' && i.nackReason === null), 'in sync again');
  }, 60_000);

  it('resyncs from a snapshot when a delta does not follow, and the fleet list counts it', async () => {
    const before = new Map((await instances()).map((i) => [i.instanceKey, i.counters.gaps ?? 0]));
    const address = { tenantId: ids.tenantId, gatewayId: ids.gatewayId };
    await stack.transport.publishDelta(
      address,
      create(DeltaSchema, { fromRevision: 1_000_000n, toRevision: 1_000_001n, contentHash: 'x' }),
    );
    await until(async () => (await instances()).every((i) => (i.counters.gaps ?? 0) > (before.get(i.instanceKey) ?? 0)), 'gaps');
    for (const agent of [one, two]) expect((await call(agent, '/shop/after-gap')).status).toBe(200);
    expect((await instances()).every((i) => i.status === 'in-sync')).toBe(true);
  }, 30_000);

  it('fails no request beyond what the changes dictate while 100 config changes land during 10 s of load', async () => {
    const first = (await rest<{ items: { id: string; version: number }[] }>('GET', ws(`/apis/${ids.apiId}/operations`)))
      .items[0]!;
    const second = await rest<{ id: string; version: number }>('POST', ws(`/apis/${ids.apiId}/operations`), {
      name: 'item',
      method: 'GET',
      urlTemplate: '/items/{id}',
    });
    const statuses = new Map<number, number>();
    let stop = false;
    const load = async (route: string) => {
      while (!stop) {
        const { status } = await call(one, route).catch(() => ({ status: 0 }));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    const loaders = [load('/shop/under-load'), load('/shop/items/7'), load('/shop/under-load'), load('/shop/items/8')];
    // Two writers, 50 changes each, one every 200 ms: 100 revisions in about 10 s. Each renames
    // an operation being called, so every revision changes the config those requests run on.
    const started = Date.now();
    const changes = async (operation: { id: string; version: number }, label: string) => {
      let version = operation.version;
      for (let change = 0; change < 50; change++) {
        const updated = await rest<{ version: number }>('PATCH', ws(`/apis/${ids.apiId}/operations/${operation.id}`), {
          version,
          name: `${label}-${change}`,
        });
        version = updated.version;
        const due = started + (change + 1) * 200;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
    };
    try {
      await Promise.all([changes(first, 'anything'), changes(second, 'item')]);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      stop = true;
      await Promise.all(loaders);
    }
    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThan(200);
    await until(async () => (await instances()).every((i) => i.status === 'in-sync'), 'in sync after the burst');
  }, 60_000);

  it('keeps serving with NATS down, restarts from the backup, and catches up when NATS is back', async () => {
    await stack.nats.stop();
    for (const agent of [one, two]) expect((await call(agent, '/shop/nats-down')).status).toBe(200);

    // An agent restarted during the outage serves its sealed backup.
    await two.stop();
    two = await startAgent('agent-2');
    await until(async () => (await fetch(`${two.adminUrl}/readyz`)).status === 200, 'the restarted agent to be ready');
    expect((await call(two, '/shop/from-backup')).status).toBe(200);
    expect(await (await fetch(`${two.adminUrl}/healthz`)).json()).toMatchObject({
      health: 'serving_from_backup',
      connected: false,
    });

    // Changes made while the agents cannot hear about them.
    const backend = await rest<{ id: string }>('POST', ws('/backends'), { name: 'Echo again', url: stack.echo.url });
    await addOpenApi('later', backend.id);
    expect((await call(one, '/later/x', null)).status).toBe(404);

    await stack.nats.restart();
    for (const agent of [one, two]) await until(async () => (await call(agent, '/later/x', null)).status === 200, 'catching up');
    await until(async () => {
      const list = await instances();
      return list.filter((i) => i.status === 'in-sync').length >= 2;
    }, 'the agents to report in sync');
  }, 90_000);
});
