import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TraceSeverity } from '@portico/proto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdminHandler } from '../admin/admin-handler.js';
import type { TestDocument } from '../pipeline/testing.js';
import { customMetricsKey } from '../policies/custom-metrics.js';
import { telemetrySinkKey } from '../policies/telemetry-sink.js';
import { compileConfig } from './compile-config.js';
import { call, pipelineFor, startGateway, type TestGateway, view, type ViewInit } from './testing.js';

const lookup = { 'cache-lookup': { 'vary-by-developer': false, 'vary-by-developer-groups': false } };

describe('caching and observability policies on traffic', () => {
  let backend: Server;
  let backendUrl = '';
  let calls = 0;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    // Answers `call <n> <path>`, with the Cache-Control the caller asks for and the x-cached header it got.
    backend = createServer((req, res) => {
      calls++;
      req.resume();
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      const cacheControl = req.headers['x-backend-cache-control'];
      if (typeof cacheControl === 'string') headers['cache-control'] = cacheControl;
      const cached = req.headers['x-cached'];
      res.writeHead(200, headers);
      res.end(`call ${calls} ${req.url}${typeof cached === 'string' ? ` cached=${cached}` : ''}`);
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    calls = 0;
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  afterAll(async () => {
    backend.closeAllConnections();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  /** Two APIs on the same backend, `/a` and `/b`, each with its own document; HEAD goes to GET's operation. */
  function viewOf(a: TestDocument, b: TestDocument = a): ViewInit {
    const api = (id: string, path: string) => ({
      id,
      name: id,
      path,
      subscriptionRequired: false,
      backendId: 'be',
      operations: [
        { id: `${id}_get`, method: 'GET', urlTemplate: '/{*rest}' },
        { id: `${id}_post`, method: 'POST', urlTemplate: '/{*rest}' },
      ],
    });
    const pipelines = (id: string, document: TestDocument) =>
      ['get', 'post'].map((verb) => pipelineFor(`${id}_${verb}`, document));
    return {
      backends: [{ id: 'be', targets: [{ url: backendUrl }] }],
      apis: [api('api_a', 'a'), api('api_b', 'b')],
      pipelines: [...pipelines('api_a', a), ...pipelines('api_b', b)],
    };
  }

  async function serve(a: TestDocument, b?: TestDocument) {
    gateway = await startGateway(viewOf(a, b));
    return gateway;
  }

  it('answers a repeated GET from the cache, without calling the backend', async () => {
    const gw = await serve({
      inbound: [{ 'cache-lookup': { ...lookup['cache-lookup'], 'downstream-caching-type': 'public' } }],
      outbound: [{ 'cache-store': { duration: 60 } }],
    });
    const first = await call(`${gw.url}/a/items?page=1`);
    expect(first.status).toBe(200);
    expect(first.text).toBe('call 1 /items?page=1');
    expect(first.headers['cache-control']).toBe('public, max-age=60, must-revalidate');

    const second = await call(`${gw.url}/a/items?page=1`, { headers: { 'x-request-id': 'req-2' } });
    expect(calls).toBe(1);
    expect(second.status).toBe(200);
    expect(second.text).toBe('call 1 /items?page=1');
    expect(second.headers['content-type']).toBe('text/plain');
    expect(second.headers['content-length']).toBe(String(second.body.length));
    expect(second.headers['x-request-id']).toBe('req-2');
    expect(second.headers.age).toBeDefined();

    const head = await call(`${gw.url}/a/items?page=1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(second.body.length));

    expect((await call(`${gw.url}/a/items?page=2`)).text).toBe('call 2 /items?page=2');
    await call(`${gw.url}/a/items`, { method: 'POST', body: 'x' });
    await call(`${gw.url}/a/items`, { method: 'POST', body: 'x' });
    expect(calls).toBe(4);
  });

  it("keeps APIs apart and honours the backend's no-store", async () => {
    const gw = await serve({ inbound: [lookup], outbound: [{ 'cache-store': { duration: 60 } }] });
    expect((await call(`${gw.url}/a/same`)).text).toBe('call 1 /same');
    expect((await call(`${gw.url}/b/same`)).text).toBe('call 2 /same');
    expect((await call(`${gw.url}/a/same`)).text).toBe('call 1 /same');

    const noStore = { headers: { 'x-backend-cache-control': 'no-store' } };
    await call(`${gw.url}/a/private`, noStore);
    expect((await call(`${gw.url}/a/private`, noStore)).text).toBe('call 4 /private');
  });

  it('keeps entries per vary-by-header value and says so in Vary', async () => {
    const gw = await serve({
      inbound: [{ 'cache-lookup': { ...lookup['cache-lookup'], 'vary-by-header': ['Accept'] } }],
      outbound: [{ 'cache-store': { duration: 60 } }],
    });
    const json = await call(`${gw.url}/a/v`, { headers: { accept: 'application/json' } });
    expect(json.headers.vary).toBe('Accept');
    expect((await call(`${gw.url}/a/v`, { headers: { accept: 'text/xml' } })).text).toBe('call 2 /v');
    const again = await call(`${gw.url}/a/v`, { headers: { accept: 'application/json' } });
    expect(again.text).toBe('call 1 /v');
    expect(again.headers.vary).toBe('Accept');
  });

  it('keeps a cached response across a new config revision', async () => {
    const document = { inbound: [lookup], outbound: [{ 'cache-store': { duration: 60 } }] };
    const gw = await serve(document);
    await call(`${gw.url}/a/kept`);
    gw.swap(compileConfig(view({ ...viewOf(document), revision: 2n, contentHash: 'hash-2' }), gw.config));
    expect((await call(`${gw.url}/a/kept`)).text).toBe('call 1 /kept');
  });

  it('shares values stored by one API with another, until removed', async () => {
    const gw = await serve(
      {
        inbound: [
          { 'cache-store-value': { key: 'greeting', value: '@(request.url.queryString)', duration: 60 } },
          { 'cache-remove-value': { key: '@(request.headers[?"x-remove"].orValue("nothing"))' } },
        ],
      },
      {
        inbound: [
          { 'cache-lookup-value': { key: 'greeting', 'variable-name': 'greeting', 'default-value': 'none' } },
          { 'set-header': { name: 'x-cached', value: ['@(string(variables.greeting))'] } },
        ],
      },
    );
    expect((await call(`${gw.url}/b/read`)).text).toBe('call 1 /read cached=none');
    await call(`${gw.url}/a/write?hello`);
    expect((await call(`${gw.url}/b/read`)).text).toBe('call 3 /read cached=hello');
    await call(`${gw.url}/a/write?again`, { headers: { 'x-remove': 'greeting' } });
    expect((await call(`${gw.url}/b/read`)).text).toBe('call 5 /read cached=none');
  });

  it('records traces and custom metrics, and shows the metrics on the admin /metrics', async () => {
    const gw = await serve({
      inbound: [
        {
          trace: {
            source: 'shop',
            severity: 'error',
            message: '@("path " + request.url.path)',
            metadata: [{ name: 'client', value: '@(request.headers[?"x-client"].orValue("?"))' }],
          },
        },
        {
          'emit-metric': {
            name: 'orders',
            namespace: 'shop',
            dimension: [{ name: 'API ID' }, { name: 'Client', value: '@(request.headers[?"x-client"].orValue("?"))' }],
          },
        },
      ],
    });
    gw.metrics.exposeCustomMetrics(gw.config.services.get(customMetricsKey));
    const admin = createServer(createAdminHandler({ metrics: gw.metrics, ready: () => true, status: () => ({}) }));
    await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
    try {
      for (const client of ['web', 'web', 'ios']) await call(`${gw.url}/a/orders`, { headers: { 'x-client': client } });
      const scraped = await call(`http://127.0.0.1:${(admin.address() as AddressInfo).port}/metrics`);
      expect(scraped.text).toContain('portico_custom_shop_orders_count{api_id="api_a",client="web"} 2');
      expect(scraped.text).toContain('portico_custom_shop_orders_sum{api_id="api_a",client="ios"} 1');

      const drained = gw.config.services.get(telemetrySinkKey).drain();
      expect(drained.traces.map((trace) => [trace.apiId, trace.operationId, trace.severity, trace.message])).toEqual([
        ['api_a', 'api_a_get', TraceSeverity.ERROR, 'path /orders'],
        ['api_a', 'api_a_get', TraceSeverity.ERROR, 'path /orders'],
        ['api_a', 'api_a_get', TraceSeverity.ERROR, 'path /orders'],
      ]);
      expect(drained.traces[2]?.metadata).toMatchObject([{ name: 'client', value: 'ios' }]);
      expect(drained.metrics.map((metric) => [metric.dimensions.map((d) => d.value).join(','), metric.count])).toEqual([
        ['api_a,web', 2n],
        ['api_a,ios', 1n],
      ]);
    } finally {
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    }
  });

  it('refuses a document asking for the external cache', async () => {
    await expect(
      serve({ inbound: [{ 'cache-lookup': { ...lookup['cache-lookup'], 'caching-type': 'external' } }] }),
    ).rejects.toThrow('inbound[0] cache-lookup: caching-type: an external cache is not available on Portico gateways');
  });
});
