import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersioningScheme } from '@portico/proto';
import { startEchoServer, type EchoServer } from '../echo/index.js';
import { call, startGateway, type TestGateway } from './testing.js';

interface Echoed {
  method: string;
  path: string;
  query: Record<string, string>;
}

describe('routing', () => {
  let echo: EchoServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    echo = await startEchoServer();
    const open = { subscriptionRequired: false, backendId: 'be_1' };
    const anyGet = (id: string) => [{ id, method: 'GET', urlTemplate: '/{*rest}' }];
    gateway = await startGateway({
      backends: [{ id: 'be_1', targets: [{ url: `${echo.url}/base` }] }],
      apis: [
        { id: 'api_root', path: '', ...open, operations: anyGet('op_root') },
        {
          id: 'api_orders',
          path: 'orders',
          ...open,
          operations: [
            { id: 'op_me', method: 'GET', urlTemplate: '/users/me' },
            { id: 'op_user', method: 'GET', urlTemplate: '/users/{id}' },
            { id: 'op_user_posts', method: 'GET', urlTemplate: '/users/{id}/posts?limit={limit}' },
            { id: 'op_files', method: 'GET', urlTemplate: '/files/{*path}' },
            { id: 'op_report', method: 'GET', urlTemplate: '/reports/{name}.{ext}' },
            { id: 'op_create', method: 'POST', urlTemplate: '/users' },
            { id: 'op_root_get', method: 'GET', urlTemplate: '/' },
          ],
        },
        { id: 'api_orders_eu', path: 'orders/eu', ...open, operations: anyGet('op_eu') },
        { id: 'api_star', path: 'star', ...open, operations: [{ id: 'op_star', method: 'GET', urlTemplate: '/*' }] },
        {
          id: 'api_seg_v1',
          path: 'seg',
          ...open,
          versioning: { scheme: VersioningScheme.SEGMENT, version: 'v1' },
          operations: anyGet('op_seg_v1'),
        },
        {
          id: 'api_seg_v2',
          path: 'seg',
          ...open,
          versioning: { scheme: VersioningScheme.SEGMENT, version: 'v2' },
          operations: anyGet('op_seg_v2'),
        },
        {
          id: 'api_hdr_v1',
          path: 'hdr',
          ...open,
          versioning: { scheme: VersioningScheme.HEADER, version: '2024-01-01', parameterName: 'Api-Version' },
          operations: anyGet('op_hdr_v1'),
        },
        { id: 'api_hdr_plain', path: 'hdr', ...open, operations: anyGet('op_hdr_plain') },
        {
          id: 'api_qry_v1',
          path: 'qry',
          ...open,
          versioning: { scheme: VersioningScheme.QUERY, version: '1.0', parameterName: 'api-version' },
          operations: anyGet('op_qry_v1'),
        },
        // A secured API with no matching operation for most paths: access comes first.
        {
          id: 'api_secure',
          path: 'secure',
          subscriptionRequired: true,
          subscriptionKeyHeaderName: 'Ocp-Apim-Subscription-Key',
          backendId: 'be_1',
          operations: [{ id: 'op_secure', method: 'GET', urlTemplate: '/only' }],
        },
        { id: 'api_nobackend', path: 'nobackend', ...open, backendId: '', operations: anyGet('op_nb') },
      ],
    });
  });

  afterAll(async () => {
    await gateway.close();
    await echo.close();
  });

  async function upstreamPath(path: string, headers?: Record<string, string>) {
    const res = await call(gateway.url + path, { headers });
    expect(res.status, res.text).toBe(200);
    return res.json<Echoed>();
  }

  it('strips the API path and keeps the target path prefix and the query', async () => {
    expect((await upstreamPath('/orders/users/42?x=1&y=2')).path).toBe('/base/users/42');
    expect((await upstreamPath('/orders/users/42?x=1&y=2')).query).toEqual({ x: '1', y: '2' });
  });

  it('takes the longest API path prefix', async () => {
    expect((await upstreamPath('/orders/eu/users/1')).path).toBe('/base/users/1');
    const res = await call(`${gateway.url}/orders/eu/anything`);
    expect(res.json<Echoed>().path).toBe('/base/anything');
  });

  it('sends paths no other API claims to the root API', async () => {
    expect((await upstreamPath('/ordersx/1')).path).toBe('/base/ordersx/1');
    expect((await upstreamPath('/')).path).toBe('/base/');
  });

  it('matches the operation template at the API root', async () => {
    expect((await upstreamPath('/orders')).path).toBe('/base');
  });

  it('routes a trailing wildcard over any depth', async () => {
    expect((await upstreamPath('/orders/files/a/b/c.txt')).path).toBe('/base/files/a/b/c.txt');
  });

  it("matches segments that mix text and parameters, and Azure's `/*` wildcard", async () => {
    expect((await upstreamPath('/orders/reports/q1.csv')).path).toBe('/base/reports/q1.csv');
    const plain = await call(`${gateway.url}/orders/reports/q1`);
    expect(plain.status).toBe(404);
    expect(plain.json<{ code: string }>().code).toBe('operation_not_found');
    expect((await upstreamPath('/star/any/depth/at/all')).path).toBe('/base/any/depth/at/all');
  });

  it('prefers literal segments to parameters, and parameters with more segments', async () => {
    expect((await upstreamPath('/orders/users/me')).path).toBe('/base/users/me');
    expect((await upstreamPath('/orders/users/7/posts?limit=3')).path).toBe('/base/users/7/posts');
  });

  it('routes the version segment and removes it upstream', async () => {
    const v1 = await call(`${gateway.url}/seg/v1/things`);
    const v2 = await call(`${gateway.url}/seg/v2/things`);
    expect([v1.status, v1.json<Echoed>().path]).toEqual([200, '/base/things']);
    expect([v2.status, v2.json<Echoed>().path]).toEqual([200, '/base/things']);
    const unknown = await call(`${gateway.url}/seg/v3/things`);
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ statusCode: 404, code: 'api_version_not_found' });
  });

  it('picks a header-versioned API by its header, else the unversioned one at the path', async () => {
    const versioned = await call(`${gateway.url}/hdr/x`, { headers: { 'api-version': '2024-01-01' } });
    expect(versioned.status).toBe(200);
    expect(gateway.metrics.registry.getSingleMetric('portico_gateway_requests_total')).toBeDefined();
    const text = await gateway.metrics.text();
    expect(text).toContain('portico_gateway_requests_total{api="api_hdr_v1",status="200"} 1');
    const plain = await call(`${gateway.url}/hdr/x`);
    expect(plain.status).toBe(200);
    expect(await gateway.metrics.text()).toContain('portico_gateway_requests_total{api="api_hdr_plain",status="200"} 1');
  });

  it('picks a query-versioned API by its parameter; without one and no unversioned API, 404', async () => {
    expect((await call(`${gateway.url}/qry/x?api-version=1.0`)).status).toBe(200);
    const missing = await call(`${gateway.url}/qry/x`);
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'api_version_not_found' });
    const other = await call(`${gateway.url}/qry/x?api-version=2.0`);
    expect(other.json()).toMatchObject({ code: 'api_version_not_found' });
  });

  it('answers 404 operation_not_found for a method or path no operation has', async () => {
    const res = await call(`${gateway.url}/orders/nothing/here`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    const body = res.json<{ requestId: string }>();
    expect(body).toMatchObject({ statusCode: 404, code: 'operation_not_found' });
    expect(body.requestId).toBe(res.headers['x-request-id']);
    expect((await call(`${gateway.url}/orders/users/1`, { method: 'DELETE' })).status).toBe(404);
  });

  it('checks the subscription key before saying an operation does not exist', async () => {
    const noKey = await call(`${gateway.url}/secure/unknown`);
    expect(noKey.status).toBe(401);
    expect(noKey.json()).toMatchObject({ code: 'subscription_key_missing' });
    expect(noKey.json<{ message: string }>().message).toContain("'Ocp-Apim-Subscription-Key' header");
  });

  it('answers 404 api_not_found when no API matches and there is no root API', async () => {
    const alone = await startGateway({
      backends: [{ id: 'be_1', targets: [{ url: echo.url }] }],
      apis: [{ id: 'api_a', path: 'a', backendId: 'be_1', operations: [{ id: 'op', method: 'GET', urlTemplate: '/' }] }],
    });
    try {
      const res = await call(`${alone.url}/b`);
      expect(res.status).toBe(404);
      expect(res.json()).toMatchObject({ statusCode: 404, code: 'api_not_found' });
      expect(await alone.metrics.text()).toContain('portico_gateway_requests_total{api="none",status="404"} 1');
    } finally {
      await alone.close();
    }
  });

  it('serves HEAD from the GET operation without a body', async () => {
    const res = await call(`${gateway.url}/orders/users/me`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
  });

  it('answers OPTIONS with 204 and the methods matching the path', async () => {
    const res = await call(`${gateway.url}/orders/users`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('POST, OPTIONS');
    const user = await call(`${gateway.url}/orders/users/5`, { method: 'OPTIONS' });
    expect(user.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('answers 502 backend_not_configured for an API without backend', async () => {
    const res = await call(`${gateway.url}/nobackend/x`);
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ code: 'backend_not_configured' });
  });

  it('answers 400 bad_request for bad percent-encoding, dot segments and malformed request lines', async () => {
    for (const path of ['/orders/users/%zz', '/orders/../etc/passwd', '/orders/%2e%2e/x', '/orders/a%2fb']) {
      const res = await call(gateway.url + path);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.json()).toMatchObject({ code: 'bad_request' });
    }
    const { connect } = await import('node:net');
    const { port } = new URL(gateway.url);
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('"code":"bad_request"');
  });

  it('answers 400 bad_request for headers larger than Node accepts', async () => {
    const res = await call(`${gateway.url}/orders/users/me`, { headers: { 'x-big': 'a'.repeat(20_000) } }).catch(
      (error: Error) => error,
    );
    if (res instanceof Error) throw res;
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'bad_request' });
  });
});
