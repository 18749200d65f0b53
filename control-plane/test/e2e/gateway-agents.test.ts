import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEchoServer } from '@portico/gateway/echo';
import { connectControlPlaneTransport, type ControlPlaneTransport } from '@portico/proto/distribution';
import { startNatsServer, type NatsServerHandle } from '@portico/proto/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../../src/control-plane.js';
import { createLogger } from '../../src/lib/logger.js';
import { LogCapture, PASSWORD, createTestDatabase, testConfig, uniqueEmail } from '../harness.js';
import { HttpClient } from '../http-client.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';

/**
 * Issue #4's "done when", end to end: the management API over HTTP, a control plane publishing
 * over a real NATS server, and `portico-gateway` agents in their own processes.
 */
describe('gateway agents configured by the control plane over NATS', () => {
  let nats: NatsServerHandle;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let transport: ControlPlaneTransport;
  let controlPlane: ControlPlane;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let admin: HttpClient;
  const agents: AgentProcess[] = [];
  const ids = { tenantId: '', workspaceId: '', userId: '', gatewayId: '', token: '', apiId: '', subscriptionId: '', key: '' };
  const backupDir = mkdtempSync(path.join(tmpdir(), 'portico-e2e-'));

  async function rest<T = Record<string, unknown>>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await admin.request<T>(method, `/api/v1${route}`, body);
    if (res.status >= 300) throw new Error(`${method} ${route} → ${res.status} ${res.text}`);
    return res.json;
  }
  const ws = (route: string) => `/workspaces/${ids.workspaceId}${route}`;

  function agentEnv(instance: string): Record<string, string> {
    return {
      PORTICO_NATS_URL: nats.url,
      PORTICO_TENANT_ID: ids.tenantId,
      PORTICO_GATEWAY_ID: ids.gatewayId,
      PORTICO_GATEWAY_TOKEN: ids.token,
      PORTICO_BACKUP_PATH: path.join(backupDir, `${instance}.backup`),
      PORTICO_INSTANCE_ID: instance,
    };
  }

  async function startAgent(instance: string): Promise<AgentProcess> {
    const agent = await startAgentProcess(agentEnv(instance));
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
    nats = await startNatsServer();
    database = await createTestDatabase();
    echo = await startEchoServer();
    transport = await connectControlPlaneTransport({ servers: nats.url, name: 'control-plane e2e', reconnectTimeWaitMs: 100 });
    controlPlane = await createControlPlane(
      testConfig({ databaseUrl: database.url, port: 0, host: '127.0.0.1' }),
      createLogger('warn', new LogCapture()),
      database,
      { transport },
    );
    const port = await controlPlane.listen();
    admin = new HttpClient(`http://127.0.0.1:${port}`);
    const signedUp = await rest<{ user: { id: string }; tenant: { id: string }; workspace: { id: string } }>(
      'POST',
      '/auth/sign-up',
      { email: uniqueEmail('e2e'), password: PASSWORD, name: 'Operator', organization: 'E2E Corp' },
    );
    Object.assign(ids, { tenantId: signedUp.tenant.id, workspaceId: signedUp.workspace.id, userId: signedUp.user.id });

    // What a provider does in the portal or with the SDK: backend, API, operation, product, subscription, gateway.
    const backend = await rest<{ id: string }>('POST', ws('/backends'), { name: 'Echo', url: echo.url });
    const api = await rest<{ id: string }>('POST', ws('/apis'), { name: 'Shop', path: 'shop', backendId: backend.id });
    await rest('POST', ws(`/apis/${api.id}/operations`), { name: 'anything', method: 'GET', urlTemplate: '/*' });
    const product = await rest<{ id: string }>('POST', ws('/products'), { name: 'Starter' });
    await rest('PUT', ws(`/products/${product.id}/apis/${api.id}`));
    await rest('POST', ws(`/products/${product.id}/publish`));
    const subscription = await rest<{ id: string; primaryKey: string }>('POST', ws('/subscriptions'), {
      ownerId: ids.userId,
      scope: 'product',
      productId: product.id,
      name: 'Mobile app',
    });
    const gateway = await rest<{ id: string }>('POST', '/gateways', { name: 'On-prem', location: 'rack 1' });
    await rest('PUT', `/gateways/${gateway.id}/apis/${api.id}`);
    const token = await rest<{ token: string }>('POST', `/gateways/${gateway.id}/tokens`, { name: 'agents', expiresInDays: 30 });
    Object.assign(ids, {
      gatewayId: gateway.id,
      token: token.token,
      apiId: api.id,
      subscriptionId: subscription.id,
      key: subscription.primaryKey,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await controlPlane?.close();
    await transport?.close();
    await echo?.close();
    await nats?.stop();
  });

  it('serves what the management API created on two separately started agents, and refuses a revoked key within 1 s on both', async () => {
    const [one, two] = [await startAgent('agent-1'), await startAgent('agent-2')];
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
});
