import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestDocument } from '../pipeline/testing.js';
import { ConfigCompileError } from './compile-config.js';
import { MAX_POLICY_RESPONSE_BODY_BYTES } from './policy-exchange.js';
import { call, closedPort, pipelineFor, servicesAllowing, startGateway, type TestGateway, type ViewInit } from './testing.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

interface TestBackend {
  url: string;
  hits: number;
  /** Bodies received, in order. */
  bodies: string[];
  handle: Handler;
  server: Server;
}

async function startBackend(handle: Handler): Promise<TestBackend> {
  const backend: TestBackend = { url: '', hits: 0, bodies: [], handle, server: undefined as unknown as Server };
  backend.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      backend.hits++;
      const body = Buffer.concat(chunks);
      backend.bodies.push(body.toString());
      backend.handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => backend.server.listen(0, '127.0.0.1', resolve));
  backend.url = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}`;
  return backend;
}

async function stopBackend(backend: TestBackend): Promise<void> {
  backend.server.closeAllConnections();
  await new Promise<void>((resolve) => backend.server.close(() => resolve()));
}

// Answers with what it received, in two chunks (no Content-Length: chunked).
const echoChunked: Handler = (req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'yes' });
  const text = JSON.stringify({ method: req.method, url: req.url, body: body.toString(), headers: req.headers });
  res.write(text.slice(0, 10));
  setTimeout(() => res.end(text.slice(10)), 5);
};

interface ViewOptions {
  backendUrl?: string;
  extraBackends?: NonNullable<ViewInit['backends']>;
  operation?: Record<string, unknown>;
}

function viewOf(document: TestDocument, backendUrl: string, options: ViewOptions = {}): ViewInit {
  return {
    backends: [{ id: 'be', targets: [{ url: `${backendUrl}/base` }] }, ...(options.extraBackends ?? [])],
    apis: [
      {
        id: 'api_shop',
        name: 'Shop',
        path: 'shop',
        subscriptionRequired: false,
        backendId: 'be',
        operations: [
          { id: 'op_any', method: 'GET', urlTemplate: '/{*rest}', ...options.operation },
          { id: 'op_post', method: 'POST', urlTemplate: '/{*rest}' },
        ],
      },
    ],
    pipelines: ['op_any', 'op_post'].map((operationId) => pipelineFor(operationId, document)),
  };
}

describe('backend calls and response bodies on traffic', () => {
  let backend: TestBackend;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    backend = await startBackend(echoChunked);
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    backend.handle = echoChunked;
    backend.hits = 0;
    backend.bodies = [];
  });

  afterAll(async () => {
    await stopBackend(backend);
  });

  async function serve(document: TestDocument, options: ViewOptions & { allow?: string } = {}) {
    const services = options.allow === undefined ? undefined : servicesAllowing(options.allow);
    gateway = await startGateway(viewOf(document, options.backendUrl ?? backend.url, options), { services });
    return gateway;
  }

  describe('response body buffering', () => {
    it('reads the backend body before outbound when a statement reads it, and sends it with its own length', async () => {
      const gw = await serve({ outbound: [{ 'find-and-replace': { from: '/base/', to: '/rewritten/' } }] });
      const res = await call(`${gw.url}/shop/orders/1`);
      expect(res.status).toBe(200);
      expect(res.headers['x-backend']).toBe('yes');
      expect(res.json<{ url: string }>().url).toBe('/rewritten/orders/1');
      expect(res.headers['content-length']).toBe(String(res.body.length));
      expect(res.headers['transfer-encoding']).toBeUndefined();
    });

    it('keeps streaming when no statement reads the body', async () => {
      const gw = await serve({ outbound: [{ 'set-header': { name: 'x-outbound', value: ['ran'] } }] });
      const res = await call(`${gw.url}/shop/orders/1`);
      expect(res.status).toBe(200);
      expect(res.headers['x-outbound']).toBe('ran');
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.json<{ url: string }>().url).toBe('/base/orders/1');
    });

    it(`answers 502 response_body_too_large through on-error beyond ${MAX_POLICY_RESPONSE_BODY_BYTES} bytes`, async () => {
      backend.handle = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(Buffer.alloc(MAX_POLICY_RESPONSE_BODY_BYTES + 1, 0x61));
      };
      const gw = await serve({
        outbound: [{ 'find-and-replace': { from: 'a', to: 'b' } }],
        'on-error': [{ 'set-header': { name: 'x-error', value: ['@(context.lastError.reason)'] } }],
      });
      const res = await call(`${gw.url}/shop/big`);
      expect(res.status).toBe(502);
      expect(res.json()).toMatchObject({ code: 'response_body_too_large' });
      expect(res.headers['x-error']).toBe('response-body-too-large');
    });
  });

  describe('forward-request', () => {
    it('calls the backend where it stands; outbound runs on the buffered answer', async () => {
      const gw = await serve({
        backend: [
          { 'forward-request': { timeout: 5 } },
          { 'set-header': { name: 'x-after-call', value: ['@(string(response.status))'] } },
        ],
        outbound: [{ 'set-header': { name: 'x-outbound', value: ['@(response.headers["x-backend"])'] } }],
      });
      const res = await call(`${gw.url}/shop/orders/7?q=1`);
      expect(res.status).toBe(200);
      expect(res.headers['x-outbound']).toBe('yes');
      expect(res.headers['content-length']).toBe(String(res.body.length));
      expect(res.json<{ url: string }>().url).toBe('/base/orders/7?q=1');
      expect(backend.hits).toBe(1);
    });

    it('streams the body with buffer-response false', async () => {
      const gw = await serve({ backend: [{ 'forward-request': { 'buffer-response': false } }] });
      const res = await call(`${gw.url}/shop/stream`);
      expect(res.status).toBe(200);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.json<{ url: string }>().url).toBe('/base/stream');
    });

    it('lets on-error see an unreachable backend as context.lastError', async () => {
      const gw = await serve(
        {
          backend: [{ 'forward-request': {} }],
          'on-error': [
            { 'return-response': { 'set-status': { code: 503 }, 'set-body': { value: '@(context.lastError.reason)' } } },
          ],
        },
        { backendUrl: `http://127.0.0.1:${await closedPort()}` },
      );
      const res = await call(`${gw.url}/shop/x`);
      expect(res.status).toBe(503);
      expect(res.text).toBe('upstream-unreachable');
    });

    it('is refused in inbound when the view is compiled', async () => {
      await expect(startGateway(viewOf({ inbound: [{ 'forward-request': {} }] }, backend.url))).rejects.toThrow(
        ConfigCompileError,
      );
    });
  });

  describe('retry', () => {
    it('sends the buffered request body again on each attempt', async () => {
      backend.handle = (req, res, body) => {
        res.writeHead(backend.hits < 3 ? 503 : 200, { 'content-type': 'text/plain' });
        res.end(`${req.method} ${body.toString()}`);
      };
      const gw = await serve({
        backend: [
          {
            retry: {
              condition: '@(response.status == 503)',
              count: 3,
              interval: 0,
              'first-fast-retry': true,
              statements: [{ 'forward-request': { 'buffer-request-body': true } }],
            },
          },
        ],
      });
      const res = await call(`${gw.url}/shop/orders`, {
        method: 'POST',
        body: 'order=1',
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe('POST order=1');
      expect(backend.bodies).toEqual(['order=1', 'order=1', 'order=1']);
    });
  });

  describe('set-backend-service', () => {
    let other: TestBackend;
    beforeAll(async () => {
      other = await startBackend((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`other ${req.url}`);
      });
    });

    afterAll(async () => {
      await stopBackend(other);
    });

    it('sends the request to a configured backend chosen by id, streaming', async () => {
      const gw = await serve(
        { inbound: [{ 'set-backend-service': { 'backend-id': '@(request.headers["x-target"])' } }] },
        { extraBackends: [{ id: 'other', targets: [{ url: `${other.url}/v2` }] }] },
      );
      const res = await call(`${gw.url}/shop/items`, { headers: { 'x-target': 'other' } });
      expect(res.status).toBe(200);
      expect(res.text).toBe('other /v2/items');
      const unknown = await call(`${gw.url}/shop/items`, { headers: { 'x-target': 'nope' } });
      expect(unknown.status).toBe(500);
      expect(unknown.json()).toMatchObject({ code: 'backend_not_found' });
    });

    it('sends the request to a base URL on the allow-list, and refuses a loopback one by default', async () => {
      const document: TestDocument = { inbound: [{ 'set-backend-service': { 'base-url': `${other.url}/v3` } }] };
      const gw = await serve(document, { allow: '127.0.0.1' });
      const res = await call(`${gw.url}/shop/items?x=1`);
      expect(res.status).toBe(200);
      expect(res.text).toBe('other /v3/items?x=1');
      await gw.close();
      gateway = undefined;

      const guarded = await serve(document);
      const refused = await call(`${guarded.url}/shop/items`);
      expect(refused.status).toBe(502);
      expect(refused.json()).toMatchObject({ code: 'outbound_address_blocked' });
    });
  });

  describe('send-request', () => {
    const document = (target: string): TestDocument => ({
      inbound: [
        {
          'send-request': {
            'response-variable-name': 'lookup',
            'set-url': target,
            'set-method': 'POST',
            'set-body': { value: 'hi' },
          },
        },
        { 'return-response': { 'response-variable-name': 'lookup' } },
      ],
    });

    it('calls an allowed host and can answer with its response', async () => {
      const gw = await serve(document(`${backend.url}/side`), { allow: '127.0.0.1' });
      const res = await call(`${gw.url}/shop/anything`);
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ method: 'POST', url: '/side', body: 'hi' });
    });

    it('refuses 127.0.0.1 when the allow-list does not name it', async () => {
      const gw = await serve(document(`${backend.url}/side`));
      const res = await call(`${gw.url}/shop/anything`);
      expect(res.status).toBe(502);
      expect(res.json()).toMatchObject({ code: 'outbound_address_blocked' });
      expect(backend.hits).toBe(0);
    });
  });

  describe('limit-concurrency', () => {
    it('answers 429 over max-count and frees the slot when the caller goes away', async () => {
      const releases: Array<() => void> = [];
      backend.handle = (_req, res) => {
        releases.push(() => res.end('done'));
      };
      const gw = await serve({
        backend: [{ 'limit-concurrency': { key: 'orders', 'max-count': 1, statements: [{ 'forward-request': {} }] } }],
      });
      // The first caller holds the slot, then gives up.
      const controller = new AbortController();
      const first = fetch(`${gw.url}/shop/slow`, { signal: controller.signal }).catch(() => undefined);
      for (let i = 0; i < 100 && backend.hits === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(backend.hits).toBe(1);
      const refused = await call(`${gw.url}/shop/slow`);
      expect(refused.status).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'concurrency_limit_exceeded' });
      controller.abort();
      await first;
      backend.handle = echoChunked;
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = (await call(`${gw.url}/shop/again`)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe(200);
      for (const release of releases) release();
    });
  });

  describe('mock-response', () => {
    it("answers with the operation's example without calling the backend", async () => {
      const gw = await serve(
        { inbound: [{ 'mock-response': { 'status-code': 200, 'content-type': 'application/json' } }] },
        {
          operation: {
            responsesJson: JSON.stringify([
              { status: 200, representations: [{ contentType: 'application/json', examples: { default: { id: 42 } } }] },
            ]),
          },
        },
      );
      const res = await call(`${gw.url}/shop/orders/42`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.json()).toEqual({ id: 42 });
      expect(backend.hits).toBe(0);
    });
  });
});
