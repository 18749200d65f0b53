import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadBalancing } from '@portico/proto';
import { startEchoServer, type EchoServer } from '../echo/index.js';
import { compileConfig, retireConfig } from './compile-config.js';
import { call, closedPort, startGateway, view, type TestGateway, type ViewInit } from './testing.js';

interface Echoed {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  bodyBytes: number;
}

const openApi = (backendId: string, path = '') => ({
  id: `api_${backendId}`,
  path,
  subscriptionRequired: false,
  backendId,
  operations: [
    { id: `op_${backendId}_get`, method: 'GET', urlTemplate: '/{*rest}' },
    { id: `op_${backendId}_post`, method: 'POST', urlTemplate: '/{*rest}' },
  ],
});

describe('upstream', () => {
  const echoes: EchoServer[] = [];
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) echoes.push(await startEchoServer());
  });

  afterAll(async () => {
    await gateway?.close();
    for (const echo of echoes) await echo.close();
  });

  async function serve(init: ViewInit) {
    await gateway?.close();
    gateway = await startGateway(init);
    return gateway;
  }

  const single = (extra: object = {}) =>
    serve({ backends: [{ id: 'be', targets: [{ url: echoes[0]!.url }], ...extra }], apis: [openApi('be')] });

  it('streams a 5 MB request body and a 5 MB response body', async () => {
    const gw = await single();
    const upload = await call(`${gw.url}/anything`, { method: 'POST', body: Buffer.alloc(5 * 1024 * 1024, 0x62) });
    expect(upload.status).toBe(200);
    expect(upload.json<Echoed>().bodyBytes).toBe(5 * 1024 * 1024);
    const download = await call(`${gw.url}/bytes/${5 * 1024 * 1024}`);
    expect(download.status).toBe(200);
    expect(download.body.length).toBe(5 * 1024 * 1024);
  });

  it('removes hop-by-hop headers, those Connection names, and sets X-Forwarded-*', async () => {
    const gw = await single();
    const res = await call(`${gw.url}/anything`, {
      headers: {
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': '1',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'proxy-authorization': 'Basic eA==',
        'x-forwarded-for': '203.0.113.9',
        'x-kept': 'yes',
        host: 'api.example.com',
      },
    });
    const headers = res.json<Echoed>().headers;
    for (const name of ['x-secret-hop', 'keep-alive', 'te', 'proxy-authorization']) expect(headers[name]).toBeUndefined();
    expect(headers['x-kept']).toBe('yes');
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe('api.example.com');
    expect(headers.host).toBe(new URL(echoes[0]!.url).host);
  });

  it('continues a valid traceparent with a new parent id and starts one otherwise', async () => {
    const gw = await single();
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const continued = (await call(`${gw.url}/anything`, { headers: { traceparent: incoming } })).json<Echoed>().headers
      .traceparent!;
    expect(continued).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(continued).not.toBe(incoming);
    const started = (await call(`${gw.url}/anything`, { headers: { traceparent: '00-zz-bad' } })).json<Echoed>().headers
      .traceparent!;
    expect(started).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(started.slice(3, 35)).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('reuses a sane x-request-id and returns it; replaces an unusable one', async () => {
    const gw = await single();
    const kept = await call(`${gw.url}/anything`, { headers: { 'x-request-id': 'req-123' } });
    expect(kept.headers['x-request-id']).toBe('req-123');
    expect(kept.json<Echoed>().headers['x-request-id']).toBe('req-123');
    const long = await call(`${gw.url}/anything`, { headers: { 'x-request-id': 'x'.repeat(129) } });
    expect(long.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(long.json<Echoed>().headers['x-request-id']).toBe(long.headers['x-request-id']);
  });

  it('applies backend credentials: headers, query and authorization', async () => {
    const gw = await single({
      credentials: { headers: { 'x-api-secret': 's3' }, query: { code: 'a b' }, authorization: 'Bearer t0k' },
    });
    const res = await call(`${gw.url}/anything?x=1`, { headers: { authorization: 'Basic caller', 'x-api-secret': 'spoofed' } });
    const echoed = res.json<Echoed>();
    expect(echoed.headers['x-api-secret']).toBe('s3');
    expect(echoed.headers.authorization).toBe('Bearer t0k');
    expect(echoed.query).toEqual({ x: '1', code: 'a b' });
  });

  it('answers 504 upstream_timeout when headers take longer than request_timeout_ms', async () => {
    const gw = await single({ requestTimeoutMs: 100 });
    const res = await call(`${gw.url}/delay/1000`);
    expect(res.status).toBe(504);
    expect(res.json()).toMatchObject({ code: 'upstream_timeout' });
    expect(await gw.metrics.text()).toContain('portico_gateway_upstream_errors_total{api="api_be",reason="timeout"} 1');
  });

  it('answers 502 upstream_unreachable on a closed port', async () => {
    const gw = await serve({
      backends: [{ id: 'be', targets: [{ url: `http://127.0.0.1:${await closedPort()}` }] }],
      apis: [openApi('be')],
    });
    const res = await call(`${gw.url}/anything`);
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ code: 'upstream_unreachable' });
  });

  async function hits(url: string, count: number) {
    const ports: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await call(`${url}/anything`);
      ports.push(res.json<Echoed>().headers.host!.split(':')[1]!);
    }
    return ports.map((port) => echoes.findIndex((echo) => echo.port === Number(port)));
  }

  it('balances round robin over targets', async () => {
    const gw = await serve({
      backends: [{ id: 'be', loadBalancing: LoadBalancing.ROUND_ROBIN, targets: echoes.map((echo) => ({ url: echo.url })) }],
      apis: [openApi('be')],
    });
    expect(await hits(gw.url, 6)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('balances by weight, interleaved (smooth weighted round robin)', async () => {
    const gw = await serve({
      backends: [
        {
          id: 'be',
          loadBalancing: LoadBalancing.WEIGHTED,
          targets: [
            { url: echoes[0]!.url, weight: 3 },
            { url: echoes[1]!.url, weight: 1 },
          ],
        },
      ],
      apis: [openApi('be')],
    });
    expect(await hits(gw.url, 8)).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
  });

  it('sends to the lowest priority group while one of its circuits is closed, then fails over', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const gw = await serve({
      backends: [
        {
          id: 'be',
          loadBalancing: LoadBalancing.PRIORITY,
          circuitBreaker: { failures: 1, windowMs: 10_000, tripMs: 60_000 },
          targets: [
            { url: echoes[2]!.url, priority: 2 },
            { url: dead, priority: 1 },
          ],
        },
      ],
      apis: [openApi('be')],
    });
    expect((await call(`${gw.url}/anything`)).status).toBe(502);
    expect(await hits(gw.url, 3)).toEqual([2, 2, 2]);
  });

  it('trips the circuit after the failures, answers 503 circuit_open, then recovers after a good trial', async () => {
    const gw = await single({ circuitBreaker: { failures: 2, windowMs: 10_000, tripMs: 300, statusCodes: [500] } });
    expect((await call(`${gw.url}/status/500`)).status).toBe(500);
    expect((await call(`${gw.url}/status/500`)).status).toBe(500);
    const open = await call(`${gw.url}/anything`);
    expect(open.status).toBe(503);
    expect(open.json()).toMatchObject({ code: 'circuit_open' });
    expect(open.headers['retry-after']).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await call(`${gw.url}/anything`)).status).toBe(200);
    expect((await call(`${gw.url}/status/500`)).status).toBe(500);
    expect((await call(`${gw.url}/anything`)).status).toBe(200);
  });

  it('retries a bodyless call on a connection error against the next target', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const gw = await serve({
      backends: [
        {
          id: 'be',
          targets: [{ url: dead }, { url: echoes[1]!.url }],
          retry: { count: 1, intervalMs: 0, onConnectionError: true },
        },
      ],
      apis: [openApi('be')],
    });
    for (let i = 0; i < 4; i++) expect((await call(`${gw.url}/anything`)).status).toBe(200);
    // A call with a body is not retried: it may have reached the backend.
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await call(`${gw.url}/anything`, { method: 'POST', body: 'x' })).status);
    expect(statuses.sort()).toEqual([200, 502]);
  });

  it('retries on listed status codes', async () => {
    const gw = await single({ retry: { count: 2, intervalMs: 1, onStatusCodes: [503] } });
    const res = await call(`${gw.url}/status/503`);
    expect(res.status).toBe(503);
    expect(await gw.metrics.text()).toContain('portico_gateway_requests_total{api="api_be",status="503"} 1');
  });

  it('aborts the backend call when the caller disconnects', async () => {
    const gw = await single();
    const { request } = await import('node:http');
    const req = request(`${gw.url}/delay/2000`);
    req.on('error', () => undefined);
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const upstream = gw.config.upstreams.get('be')!;
    expect(upstream.inFlight).toBe(1);
    req.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(upstream.inFlight).toBe(0);
    expect(await gw.metrics.text()).toContain('portico_gateway_requests_total{api="api_be",status="499"} 1');
  });

  it('carries unchanged backends over and closes retired pools after their calls finish', async () => {
    const backends = [
      { id: 'be_same', targets: [{ url: echoes[0]!.url }] },
      { id: 'be_changed', targets: [{ url: echoes[1]!.url }], requestTimeoutMs: 5_000 },
    ];
    const gw = await serve({ backends, apis: [openApi('be_same', 'same'), openApi('be_changed', 'changed')] });
    const first = gw.config;
    const inFlight = call(`${gw.url}/changed/delay/200`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = compileConfig(
      view({
        revision: 2n,
        backends: [backends[0]!, { ...backends[1]!, requestTimeoutMs: 6_000 }],
        apis: [openApi('be_same', 'same'), openApi('be_changed', 'changed')],
      }),
      first,
    );
    expect(next.upstreams.get('be_same')).toBe(first.upstreams.get('be_same'));
    expect(next.upstreams.get('be_changed')).not.toBe(first.upstreams.get('be_changed'));
    gw.swap(next);
    retireConfig(first, next);
    const retired = first.upstreams.get('be_changed')!;
    expect(retired.targets[0]!.pool.closed).toBe(false);
    expect((await inFlight).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(retired.targets[0]!.pool.closed).toBe(true);
    expect(first.upstreams.get('be_same')!.targets[0]!.pool.closed).toBe(false);
    expect((await call(`${gw.url}/changed/anything`)).status).toBe(200);
    expect((await call(`${gw.url}/same/anything`)).status).toBe(200);
  });
});
