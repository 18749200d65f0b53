import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../echo/index.js';
import type { TestDocument } from '../pipeline/testing.js';
import { call, pipelineFor, sha256, startGateway, statements, type TestGateway, type ViewInit } from './testing.js';

interface Echoed {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[]>;
  body: string;
  bodyBytes: number;
}

describe('policies on traffic', () => {
  let echo: EchoServer;
  let counting: Server;
  let countingUrl = '';
  let hits = 0;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    echo = await startEchoServer();
    counting = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'x-powered-by': 'counting' });
      res.end('from the backend');
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    countingUrl = `http://127.0.0.1:${(counting.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  afterAll(async () => {
    await echo.close();
    counting.closeAllConnections();
    await new Promise<void>((resolve) => counting.close(() => resolve()));
  });

  interface ViewOptions {
    backendUrl?: string;
    timeoutMs?: number;
    extra?: Pick<ViewInit, 'apis' | 'products' | 'subscriptions' | 'pipelines'>;
  }

  function viewOf(document: TestDocument, options: ViewOptions = {}): ViewInit {
    const init: ViewInit = {
      backends: [
        { id: 'be', targets: [{ url: options.backendUrl ?? `${echo.url}/base` }], requestTimeoutMs: options.timeoutMs ?? 0 },
      ],
      apis: [
        {
          id: 'api_shop',
          name: 'Shop',
          path: 'shop',
          subscriptionRequired: false,
          backendId: 'be',
          operations: [
            { id: 'op_get', name: 'Get order', method: 'GET', urlTemplate: '/orders/{orderId}' },
            { id: 'op_post', method: 'POST', urlTemplate: '/orders/{orderId}' },
            { id: 'op_any', method: 'GET', urlTemplate: '/{*rest}' },
          ],
        },
      ],
      pipelines: [
        pipelineFor('op_get', document),
        {
          operationId: 'op_post',
          productId: '',
          inbound: statements(document.inbound),
          onError: statements(document['on-error']),
        },
        {
          operationId: 'op_any',
          productId: '',
          inbound: statements(document.inbound),
          onError: statements(document['on-error']),
        },
      ],
    };
    return Object.assign(init, options.extra);
  }

  async function serve(document: TestDocument, options: ViewOptions = {}) {
    gateway = await startGateway(viewOf(document, options));
    return gateway;
  }

  it('sends headers set in inbound to the backend and those set in outbound to the client', async () => {
    const gw = await serve({
      inbound: [
        { 'set-header': { name: 'x-gateway', value: ['portico'] } },
        { 'set-header': { name: 'x-drop-me', 'exists-action': 'delete' } },
        { 'set-header': { name: 'x-method', value: ['@(request.method + " " + request.params["orderId"])'] } },
        // The gateway's own forwarding headers win over a statement's.
        { 'set-header': { name: 'x-request-id', value: ['forged'] } },
      ],
      outbound: [
        { 'set-header': { name: 'x-served-by', value: ['@("portico/" + string(response.status))'] } },
        { 'set-header': { name: 'content-type', 'exists-action': 'delete' } },
      ],
    });
    const res = await call(`${gw.url}/shop/orders/42?expand=items`, {
      headers: { 'x-drop-me': '1', 'x-kept': 'yes', 'x-request-id': 'req-1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-served-by']).toBe('portico/200');
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.headers['x-request-id']).toBe('req-1');
    const echoed = res.json<Echoed>();
    expect(echoed.path).toBe('/base/orders/42');
    expect(echoed.query).toEqual({ expand: 'items' });
    expect(echoed.headers['x-gateway']).toBe('portico');
    expect(echoed.headers['x-method']).toBe('GET 42');
    expect(echoed.headers['x-kept']).toBe('yes');
    expect(echoed.headers['x-drop-me']).toBeUndefined();
    expect(echoed.headers['x-request-id']).toBe('req-1');
    expect(echoed.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('sets query parameters and keeps an untouched query as the caller encoded it', async () => {
    const gw = await serve({
      inbound: [{ 'set-query-parameter': { name: 'api-version', 'exists-action': 'skip', value: ['2024-06-01'] } }],
    });
    const res = await call(`${gw.url}/shop/orders/42?q=a%20b&api-version=1`);
    expect(res.json<Echoed>().query).toEqual({ q: 'a b', 'api-version': '1' });
    const added = await call(`${gw.url}/shop/orders/42?q=x`);
    expect(added.json<Echoed>().query).toEqual({ q: 'x', 'api-version': '2024-06-01' });
  });

  it('rewrites the backend path from the template, under the backend base path', async () => {
    const gw = await serve({ inbound: [{ 'rewrite-uri': { template: '/v2/orders/{orderId}?expand=all' } }] });
    const echoed = (await call(`${gw.url}/shop/orders/a%20b?tenant=t1`)).json<Echoed>();
    expect(echoed.path).toBe('/base/v2/orders/a%20b');
    expect(echoed.query).toEqual({ expand: 'all', tenant: 't1' });
  });

  it('answers with return-response without calling the backend', async () => {
    const gw = await serve(
      {
        inbound: [
          {
            'return-response': {
              'set-status': { code: 429, reason: 'Too Many Requests' },
              'set-header': [{ name: 'retry-after', 'exists-action': 'override', value: ['7'] }],
              'set-body': { value: '{"error":"slow down"}' },
            },
          },
        ],
      },
      { backendUrl: countingUrl },
    );
    const before = hits;
    const res = await call(`${gw.url}/shop/orders/42`, { headers: { 'x-request-id': 'req-rr' } });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.headers['x-request-id']).toBe('req-rr');
    expect(res.headers['content-length']).toBe(String('{"error":"slow down"}'.length));
    expect(res.text).toBe('{"error":"slow down"}');
    expect(hits).toBe(before);
  });

  it('refuses with check-header its status and message, and lets a matching request through', async () => {
    const gw = await serve({
      inbound: [
        {
          'check-header': {
            name: 'x-client-id',
            'failed-check-httpcode': 401,
            'failed-check-error-message': 'Unknown client',
            'ignore-case': false,
            value: ['portal', 'mobile'],
          },
        },
      ],
    });
    const missing = await call(`${gw.url}/shop/orders/42`);
    expect(missing.status).toBe(401);
    expect(missing.headers['content-type']).toBe('application/json');
    expect(missing.json()).toMatchObject({ statusCode: 401, code: 'header_not_found', message: 'Unknown client' });
    const wrong = await call(`${gw.url}/shop/orders/42`, { headers: { 'x-client-id': 'curl' } });
    expect(wrong.json()).toMatchObject({ code: 'header_value_not_allowed' });
    const ok = await call(`${gw.url}/shop/orders/42`, { headers: { 'x-client-id': 'portal' } });
    expect(ok.status).toBe(200);
  });

  it('filters callers by IP address', async () => {
    const forbid = await serve({ inbound: [{ 'ip-filter': { action: 'forbid', address: ['127.0.0.1'] } }] });
    const refused = await call(`${forbid.url}/shop/orders/42`);
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'caller_ip_not_allowed' });
    await gateway!.close();
    const allow = await serve({
      inbound: [{ 'ip-filter': { action: 'allow', 'address-range': [{ from: '127.0.0.0', to: '127.255.255.255' }] } }],
    });
    expect((await call(`${allow.url}/shop/orders/42`)).status).toBe(200);
  });

  it('branches with choose on a CEL condition over a header, and reuses a variable set earlier', async () => {
    const gw = await serve({
      inbound: [
        { 'set-variable': { name: 'tier', value: '@(request.headers[?"x-tier"].orValue("standard"))' } },
        {
          choose: {
            when: [
              {
                condition: '@(request.headers[?"x-tier"].orValue("") == "gold")',
                statements: [{ 'set-header': { name: 'x-route', value: ['fast'] } }],
              },
            ],
            otherwise: [{ 'set-header': { name: 'x-route', value: ['slow'] } }],
          },
        },
        { 'set-header': { name: 'x-tier-seen', value: ['@("tier=" + string(variables["tier"]))'] } },
      ],
    });
    const gold = (await call(`${gw.url}/shop/orders/42`, { headers: { 'x-tier': 'gold' } })).json<Echoed>();
    expect(gold.headers['x-route']).toBe('fast');
    expect(gold.headers['x-tier-seen']).toBe('tier=gold');
    const other = (await call(`${gw.url}/shop/orders/42`)).json<Echoed>();
    expect(other.headers['x-route']).toBe('slow');
    expect(other.headers['x-tier-seen']).toBe('tier=standard');
  });

  it('runs on-error once with context.lastError when an expression fails, and answers cleanly', async () => {
    const gw = await serve({
      inbound: [{ 'set-header': { name: 'x-bad', value: ['@(request.headers["x-missing"])'] } }],
      'on-error': [
        { 'set-header': { name: 'x-error-reason', value: ['@(context.lastError.reason)'] } },
        { 'set-header': { name: 'x-error-policy', value: ['@(context.lastError.policy)'] } },
      ],
    });
    const res = await call(`${gw.url}/shop/orders/42`);
    expect(res.status).toBe(500);
    expect(res.headers['x-error-reason']).toBe('expression-failed');
    expect(res.headers['x-error-policy']).toBe('inbound[0] set-header');
    expect(res.json()).toMatchObject({ statusCode: 500, code: 'internal_error' });
  });

  it('answers a plain 500 when on-error itself fails, without looping', async () => {
    const gw = await serve({
      inbound: [{ 'set-header': { name: 'x-bad', value: ['@(request.headers["x-missing"])'] } }],
      'on-error': [{ 'set-header': { name: 'x-worse', value: ['@(request.headers["x-also-missing"])'] } }],
    });
    const res = await call(`${gw.url}/shop/orders/42`);
    expect(res.status).toBe(500);
    expect(res.headers['x-worse']).toBeUndefined();
    expect(res.json()).toMatchObject({ code: 'internal_error' });
  });

  it('lets on-error shape the answer to a backend timeout', async () => {
    const gw = await serve(
      {
        inbound: [{ 'set-header': { name: 'x-a', value: ['1'] } }],
        'on-error': [
          {
            'return-response': {
              'set-status': { code: 503, reason: 'Busy' },
              'set-body': { value: '@("backend failed: " + context.lastError.reason)' },
            },
          },
        ],
      },
      { timeoutMs: 100, backendUrl: echo.url },
    );
    const res = await call(`${gw.url}/shop/delay/1000`);
    expect(res.status).toBe(503);
    expect(res.text).toBe('backend failed: upstream-timeout');
    expect(await gw.metrics.text()).toContain('portico_gateway_upstream_errors_total{api="api_shop",reason="timeout"} 1');
  });

  it('keeps the JSON gateway error for a backend failure when there is no on-error', async () => {
    const gw = await serve(
      { inbound: [{ 'set-header': { name: 'x-a', value: ['1'] } }] },
      { timeoutMs: 100, backendUrl: echo.url },
    );
    const res = await call(`${gw.url}/shop/delay/1000`, { headers: { 'x-request-id': 'req-to' } });
    expect(res.status).toBe(504);
    expect(res.json()).toEqual({
      statusCode: 504,
      code: 'upstream_timeout',
      message: 'The backend did not answer in time.',
      requestId: 'req-to',
    });
  });

  it('replaces the backend body when outbound answers, and changes the status with set-status', async () => {
    const replaced = await serve(
      { outbound: [{ 'return-response': { 'set-status': { code: 202 }, 'set-body': { value: 'replaced' } } }] },
      { backendUrl: countingUrl },
    );
    const res = await call(`${replaced.url}/shop/orders/42`);
    expect(res.status).toBe(202);
    expect(res.text).toBe('replaced');
    expect(res.headers['x-powered-by']).toBeUndefined();
    await gateway!.close();
    const status = await serve({ outbound: [{ 'set-status': { code: 201, reason: 'Made' } }] }, { backendUrl: countingUrl });
    const made = await call(`${status.url}/shop/orders/42`);
    expect(made.status).toBe(201);
    expect(made.text).toBe('from the backend');
    expect(made.headers['x-powered-by']).toBe('counting');
  });

  it('buffers the request body for an expression that reads it, and still forwards it', async () => {
    const gw = await serve({ inbound: [{ 'set-header': { name: 'x-name', value: ['@(string(request.body.name))'] } }] });
    const body = JSON.stringify({ name: 'ada', pad: 'x'.repeat(1000) });
    const res = await call(`${gw.url}/shop/orders/42`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body,
    });
    const echoed = res.json<Echoed>();
    expect(echoed.headers['x-name']).toBe('ada');
    expect(echoed.bodyBytes).toBe(body.length);
    expect(echoed.body).toBe(body);
  });

  it('exposes the subscription, product and api records to expressions', async () => {
    const gw = await startGateway(
      viewOf(
        {
          inbound: [
            {
              'set-header': {
                name: 'x-who',
                value: ['@(subscription.id + "/" + product.id + "/" + api.name + "/" + operation.name)'],
              },
            },
          ],
        },
        {
          extra: {
            apis: [
              {
                id: 'api_shop',
                name: 'Shop',
                path: 'shop',
                subscriptionRequired: true,
                subscriptionKeyHeaderName: 'x-key',
                backendId: 'be',
                operations: [{ id: 'op_get', name: 'Get order', method: 'GET', urlTemplate: '/orders/{orderId}' }],
              },
            ],
            products: [{ id: 'prd_gold', name: 'Gold', subscriptionRequired: true, apiIds: ['api_shop'] }],
            subscriptions: [
              { id: 'sub_1', name: 'Mobile app', primaryKeySha256: sha256('k1'), state: 1, scope: 1, scopeId: 'prd_gold' },
            ],
            pipelines: [
              {
                operationId: 'op_get',
                productId: '',
                inbound: statements([
                  {
                    'set-header': {
                      name: 'x-who',
                      value: [
                        '@(subscription.id + "/" + subscription.name + "/" + product.id + "/" + product.name + "/" + api.name + "/" + operation.name)',
                      ],
                    },
                  },
                ]),
              },
            ],
          },
        },
      ),
    );
    gateway = gw;
    const echoed = (await call(`${gw.url}/shop/orders/42`, { headers: { 'x-key': 'k1' } })).json<Echoed>();
    expect(echoed.headers['x-who']).toBe('sub_1/Mobile app/prd_gold/Gold/Shop/Get order');
    expect(echoed.headers['x-key']).toBeUndefined();
  });
});
