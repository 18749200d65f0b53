import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestDocument } from '../pipeline/testing.js';
import { MAX_POLICY_RESPONSE_BODY_BYTES } from './policy-exchange.js';
import { call, pipelineFor, servicesAllowing, startGateway, statements, type TestGateway } from './testing.js';

const CHUNK = 64 * 1024;
// 9 MiB, over the 8 MiB policies may buffer; every 64 KiB block differs, so a lost or repeated block shows.
const BIG = Buffer.alloc(9 * 1024 * 1024);
for (let offset = 0; offset < BIG.length; offset += CHUNK) BIG.fill(offset / CHUNK, offset, offset + CHUNK);

const lookup = { 'cache-lookup': { 'vary-by-developer': false, 'vary-by-developer-groups': false } };
const store = { 'cache-store': { duration: 60 } };

/** Backend answers by path; `hits` counts calls per path. */
interface Backend {
  url: string;
  server: Server;
  hits: Map<string, number>;
  /** Ends the pending `/stream` answer. */
  release: (() => void) | undefined;
}

async function writeBig(res: ServerResponse, withLength: boolean): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (withLength) headers['content-length'] = String(BIG.length);
  res.writeHead(200, headers);
  for (let offset = 0; offset < BIG.length && !res.destroyed; offset += CHUNK) {
    if (!res.write(BIG.subarray(offset, offset + CHUNK))) await once(res, 'drain');
  }
  res.end();
}

function answer(backend: Backend, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '').split('?')[0]!;
  backend.hits.set(path, (backend.hits.get(path) ?? 0) + 1);
  if (path.endsWith('/big-chunked')) return void writeBig(res, false);
  if (path.endsWith('/big-length')) return void writeBig(res, true);
  if (path.endsWith('/small')) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return void res.end(`small ${backend.hits.get(path)}`);
  }
  if (path.endsWith('/head')) {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '12345' });
    return void res.end();
  }
  if (path.endsWith('/stream')) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    backend.release = () => res.end('data: last\n\n');
    return;
  }
  if (path.endsWith('/side')) {
    res.writeHead(201, { 'content-type': 'application/json', 'x-side': 'yes' });
    return void res.end('{"name":"ada"}');
  }
  res.writeHead(404);
  res.end();
}

async function startBackend(): Promise<Backend> {
  const backend: Backend = { url: '', server: undefined as unknown as Server, hits: new Map(), release: undefined };
  backend.server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(backend, req, res));
  });
  await new Promise<void>((resolve) => backend.server.listen(0, '127.0.0.1', resolve));
  backend.url = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}`;
  return backend;
}

/** A GET whose first body chunk must arrive before `onFirst` lets the backend finish. */
function firstChunkThenRest(url: string, method: string, onFirst: () => void): Promise<{ first: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (chunks.length === 0) onFirst();
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ first: chunks[0]?.toString() ?? '', text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('response body buffering for optional readers (cache-store) on traffic', () => {
  let backend: Backend;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    backend = await startBackend();
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    backend.hits.clear();
    backend.release?.();
    backend.release = undefined;
  });

  afterAll(async () => {
    backend.server.closeAllConnections();
    await new Promise<void>((resolve) => backend.server.close(() => resolve()));
  });

  async function serve(document: TestDocument, allow?: string): Promise<TestGateway> {
    const pipeline = (operationId: string) => pipelineFor(operationId, document);
    gateway = await startGateway(
      {
        backends: [{ id: 'be', targets: [{ url: `${backend.url}/api` }] }],
        apis: [
          {
            id: 'api_files',
            name: 'Files',
            path: 'files',
            subscriptionRequired: false,
            backendId: 'be',
            operations: [
              { id: 'op_get', method: 'GET', urlTemplate: '/{*rest}' },
              { id: 'op_post', method: 'POST', urlTemplate: '/{*rest}' },
            ],
          },
        ],
        pipelines: [pipeline('op_get'), pipeline('op_post')],
      },
      { services: allow === undefined ? undefined : servicesAllowing(allow) },
    );
    return gateway;
  }

  async function expectDownloadsIntact(gw: TestGateway, base: string): Promise<void> {
    expect(BIG.length).toBeGreaterThan(MAX_POLICY_RESPONSE_BODY_BYTES);
    for (let round = 1; round <= 2; round++) {
      const chunked = await call(`${gw.url}/files/big-chunked`);
      expect(chunked.status).toBe(200);
      expect(chunked.headers['content-length']).toBeUndefined();
      expect(chunked.headers['transfer-encoding']).toBe('chunked');
      expect(chunked.body.length).toBe(BIG.length);
      expect(chunked.body.equals(BIG)).toBe(true);

      const sized = await call(`${gw.url}/files/big-length`);
      expect(sized.status).toBe(200);
      expect(sized.headers['content-length']).toBe(String(BIG.length));
      expect(sized.body.length).toBe(BIG.length);
      expect(sized.body.equals(BIG)).toBe(true);
    }
    // Too large to store: each call reached the backend.
    expect(backend.hits.get(`${base}/big-chunked`)).toBe(2);
    expect(backend.hits.get(`${base}/big-length`)).toBe(2);
  }

  async function expectSmallCached(gw: TestGateway, base: string): Promise<void> {
    const first = await call(`${gw.url}/files/small`);
    expect(first.status).toBe(200);
    expect(first.text).toBe('small 1');
    expect(first.headers['content-length']).toBe('7');
    const second = await call(`${gw.url}/files/small`);
    expect(second.text).toBe('small 1');
    expect(second.headers.age).toBeDefined();
    expect(backend.hits.get(`${base}/small`)).toBe(1);
  }

  it('streams 9 MiB downloads intact through a cached API and still caches small answers', async () => {
    const gw = await serve({ inbound: [lookup], outbound: [store] });
    await expectDownloadsIntact(gw, '/api');
    await expectSmallCached(gw, '/api');
  });

  it('does the same when a statement calls the backend (set-backend-service base-url)', async () => {
    const gw = await serve(
      { inbound: [lookup, { 'set-backend-service': { 'base-url': `${backend.url}/other` } }], outbound: [store] },
      '127.0.0.1',
    );
    await expectDownloadsIntact(gw, '/other');
    await expectSmallCached(gw, '/other');
  });

  it('streams past the cap after an asynchronous outbound statement, and stores nothing', async () => {
    const gw = await serve(
      {
        inbound: [lookup],
        outbound: [
          { 'send-request': { 'response-variable-name': 'side', 'set-url': `${backend.url}/side`, 'set-method': 'GET' } },
          { 'set-header': { name: 'x-side-status', value: ['@(string(variables["side"].status))'] } },
          store,
        ],
      },
      '127.0.0.1',
    );
    for (let round = 1; round <= 2; round++) {
      const res = await call(`${gw.url}/files/big-chunked`);
      expect(res.status).toBe(200);
      expect(res.headers['x-side-status']).toBe('201');
      expect(res.body.equals(BIG)).toBe(true);
    }
    expect(backend.hits.get('/api/big-chunked')).toBe(2);
  });

  it('does not hold a response nothing will store (no cache-lookup miss): a POST event stream flows', async () => {
    const gw = await serve({ inbound: [lookup], outbound: [store] });
    const res = await firstChunkThenRest(`${gw.url}/files/stream`, 'POST', () => backend.release?.());
    expect(res.first).toBe('data: first\n\n');
    expect(res.text).toBe('data: first\n\ndata: last\n\n');
  });

  it('does not read HEAD answers: their Content-Length stays the one the backend sent', async () => {
    const gw = await serve({ inbound: [lookup], outbound: [store] });
    const res = await call(`${gw.url}/files/head`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('12345');
    expect(res.body.length).toBe(0);
  });

  it("keeps the backend's Content-Length on a HEAD answer when a statement requires the body", async () => {
    const gw = await serve({ outbound: [{ 'find-and-replace': { from: 'a', to: 'b' } }] });
    const res = await call(`${gw.url}/files/head`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('12345');
    expect(res.body.length).toBe(0);
  });

  it('fails over the cap when another statement requires the body', async () => {
    const gw = await serve({ inbound: [lookup], outbound: [store, { 'find-and-replace': { from: 'a', to: 'b' } }] });
    const res = await call(`${gw.url}/files/big-chunked`);
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ code: 'response_body_too_large' });
  });
});

describe('expressions reading response bodies on traffic', () => {
  let backend: Backend;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    backend = await startBackend();
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    backend.hits.clear();
  });

  afterAll(async () => {
    backend.server.closeAllConnections();
    await new Promise<void>((resolve) => backend.server.close(() => resolve()));
  });

  async function serve(document: TestDocument): Promise<TestGateway> {
    gateway = await startGateway(
      {
        backends: [{ id: 'be', targets: [{ url: backend.url }] }],
        apis: [
          {
            id: 'api_x',
            name: 'X',
            path: 'x',
            subscriptionRequired: false,
            backendId: 'be',
            operations: [{ id: 'op_get', method: 'GET', urlTemplate: '/{*rest}' }],
          },
        ],
        pipelines: [
          {
            operationId: 'op_get',
            productId: '',
            inbound: statements(document.inbound),
            backend: [],
            outbound: statements(document.outbound),
            onError: statements(document['on-error']),
          },
        ],
      },
      { services: servicesAllowing('127.0.0.1') },
    );
    return gateway;
  }

  it('buffers the backend body for an expression reading response.body', async () => {
    const gw = await serve({ outbound: [{ 'set-header': { name: 'x-body', value: ['@(response.body)'] } }] });
    const res = await call(`${gw.url}/x/small`);
    expect(res.status).toBe(200);
    expect(res.headers['x-body']).toBe('small 1');
    expect(res.text).toBe('small 1');
  });

  it('reads a send-request response kept in a variable: status, statusReason, headers and body', async () => {
    const gw = await serve({
      inbound: [
        { 'send-request': { 'response-variable-name': 'profile', 'set-url': `${backend.url}/side`, 'set-method': 'GET' } },
      ],
      outbound: [
        { 'set-header': { name: 'x-profile-status', value: ['@(string(variables["profile"].status))'] } },
        { 'set-header': { name: 'x-profile-reason', value: ['@("[" + variables["profile"].statusReason + "]")'] } },
        { 'set-header': { name: 'x-profile-side', value: ['@(variables["profile"].headers["x-side"])'] } },
        { 'set-header': { name: 'x-profile-body', value: ['@(variables["profile"].body)'] } },
      ],
    });
    const res = await call(`${gw.url}/x/small`);
    expect(res.status).toBe(200);
    expect(res.headers['x-profile-status']).toBe('201');
    expect(res.headers['x-profile-reason']).toBe('[]');
    expect(res.headers['x-profile-side']).toBe('yes');
    expect(res.headers['x-profile-body']).toBe('{"name":"ada"}');
    expect(res.text).toBe('small 1');
  });
});
