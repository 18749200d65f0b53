import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SubscriptionScope, SubscriptionState } from '@portico/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, sha256, startGateway, type TestGateway, type ViewInit } from './testing.js';

// Statements as the control plane flattens them, from one API-scope document.
const statements = (list: Record<string, unknown>[]) =>
  list.map((statement, index) => {
    const [policy = '', config = null] = Object.entries(statement)[0] ?? [];
    return {
      policy,
      configJson: JSON.stringify(config),
      originScope: 'api',
      originId: 'api_shop',
      originPath: `inbound[${index}]`,
    };
  });

/** quota and quota-by-key on a gateway counting alone (no lease service: the process is the fleet). */
describe('quotas on traffic', () => {
  let backend: Server;
  let backendUrl = '';
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    // 500 on /fail, 200 with a 1 KiB body elsewhere.
    backend = createServer((req, res) => {
      req.resume();
      if (req.url?.includes('/fail')) return void res.writeHead(500).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(1024));
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  afterAll(async () => {
    backend.closeAllConnections();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  function viewOf(inbound: Record<string, unknown>[]): ViewInit {
    const operations = [
      { id: 'op_orders', name: 'orders', method: 'GET', urlTemplate: '/orders/{id}' },
      { id: 'op_fail', name: 'fail', method: 'GET', urlTemplate: '/fail' },
    ];
    return {
      backends: [{ id: 'be', targets: [{ url: backendUrl }] }],
      apis: [
        {
          id: 'api_shop',
          name: 'shop',
          path: 'shop',
          subscriptionRequired: true,
          subscriptionKeyHeaderName: 'Ocp-Apim-Subscription-Key',
          backendId: 'be',
          operations,
        },
      ],
      products: [{ id: 'prd', subscriptionRequired: true, apiIds: ['api_shop'] }],
      subscriptions: [
        {
          id: 'sub_a',
          primaryKeySha256: sha256('key-a'),
          state: SubscriptionState.ACTIVE,
          scope: SubscriptionScope.PRODUCT,
          scopeId: 'prd',
        },
        {
          id: 'sub_b',
          primaryKeySha256: sha256('key-b'),
          state: SubscriptionState.ACTIVE,
          scope: SubscriptionScope.PRODUCT,
          scopeId: 'prd',
        },
      ],
      pipelines: operations.map((operation) => ({ operationId: operation.id, productId: '', inbound: statements(inbound) })),
    };
  }

  const get = (path: string, key: string) =>
    call(`${gateway!.url}/shop${path}`, { headers: { 'ocp-apim-subscription-key': key } });

  it('counts per subscription across the operations an API-scope quota was copied into, then refuses with 403', async () => {
    gateway = await startGateway(viewOf([{ quota: { calls: 3, 'renewal-period': 3600 } }]));
    expect((await get('/orders/1', 'key-a')).status).toBe(200);
    expect((await get('/fail', 'key-a')).status).toBe(500);
    expect((await get('/orders/2', 'key-a')).status).toBe(200);
    const refused = await get('/orders/3', 'key-a');
    expect(refused.status).toBe(403);
    const body = refused.json<{ code: string; message: string }>();
    expect(body.code).toBe('quota_exceeded');
    expect(body.message).toMatch(/^Out of call volume quota\. Quota will be replenished in \d\d:\d\d:\d\d\.$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    // Another subscription has its own count.
    expect((await get('/orders/1', 'key-b')).status).toBe(200);
  });

  it('keeps counting across config revisions that leave the statement unchanged', async () => {
    const init = viewOf([{ quota: { calls: 2, 'renewal-period': 3600 } }]);
    gateway = await startGateway(init);
    expect((await get('/orders/1', 'key-a')).status).toBe(200);
    expect((await get('/orders/2', 'key-a')).status).toBe(200);
    const { compileConfig } = await import('./compile-config.js');
    const { view } = await import('./testing.js');
    gateway.swap(compileConfig(view({ ...init, revision: 2n, contentHash: 'hash-2' }), gateway.config));
    expect((await get('/orders/3', 'key-a')).status).toBe(403);
  });

  it('applies the tighter quota of the named operation', async () => {
    gateway = await startGateway(
      viewOf([
        {
          quota: {
            calls: 100,
            'renewal-period': 60,
            api: [
              { name: 'shop', calls: 50, 'renewal-period': 60, operation: [{ id: 'op_fail', calls: 1, 'renewal-period': 60 }] },
            ],
          },
        },
      ]),
    );
    expect((await get('/fail', 'key-a')).status).toBe(500);
    expect((await get('/fail', 'key-a')).status).toBe(403);
    expect((await get('/orders/1', 'key-a')).status).toBe(200);
  });

  it('quota-by-key counts only what the increment-condition accepts, read after the response', async () => {
    gateway = await startGateway(
      viewOf([
        {
          'quota-by-key': {
            calls: 2,
            'renewal-period': 3600,
            'counter-key': '@(request.ip)',
            'increment-condition': '@(response.status < 400)',
          },
        },
      ]),
    );
    for (let i = 0; i < 3; i++) expect((await get('/fail', 'key-a')).status).toBe(500);
    expect((await get('/orders/1', 'key-a')).status).toBe(200);
    // The key is the caller's address, whatever the subscription.
    expect((await get('/orders/2', 'key-b')).status).toBe(200);
    expect((await get('/orders/3', 'key-a')).status).toBe(403);
  });

  it('refuses once the bandwidth quota is used up by response bodies', async () => {
    gateway = await startGateway(viewOf([{ quota: { bandwidth: 2, 'renewal-period': 3600 } }]));
    expect((await get('/orders/1', 'key-a')).status).toBe(200);
    expect((await get('/orders/2', 'key-a')).status).toBe(200);
    const refused = await get('/orders/3', 'key-a');
    expect(refused.status).toBe(403);
    expect(refused.json<{ message: string }>().message).toMatch(/^Out of bandwidth quota\./);
  });
});
