import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestDocument } from '../pipeline/testing.js';
import { ConfigCompileError } from './compile-config.js';
import { call, pipelineFor, startGateway, type TestGateway, type ViewInit } from './testing.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

const order = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'integer' },
    lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
  },
};

describe('body policies on traffic', () => {
  let backend: Server;
  let backendUrl = '';
  let received: Received | undefined;
  let reply: Reply | undefined;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    // Records what it received; answers `reply` when a test set one, else 200 "received".
    backend = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
        const answer = reply ?? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'received' };
        const body = Buffer.from(answer.body);
        res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    received = undefined;
    reply = undefined;
  });

  afterAll(async () => {
    backend.closeAllConnections();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  function viewOf(document: TestDocument): ViewInit {
    const pipeline = (operationId: string) => pipelineFor(operationId, document);
    return {
      backends: [{ id: 'be', targets: [{ url: `${backendUrl}/base` }] }],
      apis: [
        {
          id: 'api_shop',
          name: 'Shop',
          path: 'shop',
          subscriptionRequired: false,
          backendId: 'be',
          operations: [
            {
              id: 'op_orders',
              method: 'POST',
              urlTemplate: '/orders',
              requestJson: JSON.stringify({ representations: [{ contentType: 'application/json', schema: order }] }),
              responsesJson: JSON.stringify([
                { status: 200, representations: [{ contentType: 'application/json', schema: order }] },
              ]),
            },
            { id: 'op_get', method: 'GET', urlTemplate: '/orders/{id}' },
            { id: 'op_graphql', method: 'POST', urlTemplate: '/graphql' },
          ],
        },
      ],
      pipelines: [pipeline('op_orders'), pipeline('op_get'), pipeline('op_graphql')],
    };
  }

  async function serve(document: TestDocument) {
    gateway = await startGateway(viewOf(document));
    return gateway;
  }

  const post = (url: string, body: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
    call(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

  it('set-body: the backend receives the new request body with its own length', async () => {
    const gw = await serve({ inbound: [{ 'set-body': { value: '@({"method": request.method, "caller": request.ip})' } }] });
    const res = await post(`${gw.url}/shop/orders`, '{"original":true,"padding":"xxxxxxxxxxxxxxxxxxxxxxxx"}');
    expect(res.status).toBe(200);
    expect(JSON.parse(received!.body)).toEqual({ method: 'POST', caller: '127.0.0.1' });
    expect(received!.headers['content-length']).toBe(String(Buffer.byteLength(received!.body)));
  });

  it('set-body: a GET without a body reaches the backend with the one the policy set', async () => {
    const gw = await serve({ inbound: [{ 'set-body': { value: 'from the gateway' } }] });
    await call(`${gw.url}/shop/orders/7`);
    expect(received?.body).toBe('from the gateway');
  });

  it('set-body and find-and-replace: the caller gets the rewritten backend body with a true Content-Length', async () => {
    reply = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"self":"http://orders.internal/orders/7","next":"http://orders.internal/orders/8"}',
    };
    const gw = await serve({
      outbound: [{ 'find-and-replace': { from: 'http://orders.internal', to: 'https://api.example.com' } }],
    });
    const res = await call(`${gw.url}/shop/orders/7`);
    expect(res.text).toBe('{"self":"https://api.example.com/orders/7","next":"https://api.example.com/orders/8"}');
    expect(res.headers['content-length']).toBe(String(res.body.length));

    await gw.close();
    gateway = await serve({ outbound: [{ 'set-body': { value: '@("was: " + response.body)' } }] });
    reply = { status: 200, headers: { 'content-type': 'text/plain' }, body: 'hello' };
    const replaced = await call(`${gateway.url}/shop/orders/7`);
    expect(replaced.text).toBe('was: hello');
    expect(replaced.headers['content-length']).toBe('10');
  });

  it('json-to-xml: converts the backend JSON for a caller asking for XML', async () => {
    reply = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"order":{"id":7,"lines":[{"sku":"a"},{"sku":"b"}]}}',
    };
    const gw = await serve({ outbound: [{ 'json-to-xml': { apply: 'content-type-json' } }] });
    const xml = await call(`${gw.url}/shop/orders/7`, { headers: { accept: 'application/xml' } });
    expect(xml.headers['content-type']).toBe('application/xml');
    expect(xml.text).toBe('<Document><order><id>7</id><lines><sku>a</sku></lines><lines><sku>b</sku></lines></order></Document>');
    const json = await call(`${gw.url}/shop/orders/7`, { headers: { accept: 'application/json' } });
    expect(json.headers['content-type']).toBe('application/json');
  });

  it('xml-to-json: converts the request for a JSON backend, and refuses a DTD with 400', async () => {
    const gw = await serve({
      inbound: [{ 'xml-to-json': { kind: 'javascript-friendly', apply: 'content-type-xml', 'consider-accept-header': false } }],
    });
    await post(`${gw.url}/shop/orders`, '<order id="7"><sku>a</sku></order>', 'application/xml');
    expect(JSON.parse(received!.body)).toEqual({ order: { id: '7', sku: 'a' } });
    expect(received!.headers['content-type']).toBe('application/json');
    received = undefined;
    const bomb = await post(`${gw.url}/shop/orders`, '<!DOCTYPE a [<!ENTITY x "x">]><a>&x;</a>', 'text/xml');
    expect(bomb.status).toBe(400);
    expect(bomb.json()).toMatchObject({ code: 'invalid_xml' });
    expect(received).toBeUndefined();
  });

  it('xml-to-json: a backend answering broken XML becomes a 502 through on-error', async () => {
    reply = { status: 200, headers: { 'content-type': 'application/xml' }, body: '<order><id>7</order>' };
    const gw = await serve({
      outbound: [{ 'xml-to-json': { kind: 'direct', apply: 'content-type-xml', 'consider-accept-header': false } }],
      'on-error': [{ 'set-header': { name: 'x-failed', value: ['@(context.lastError.source)'] } }],
    });
    const res = await call(`${gw.url}/shop/orders/7`);
    expect(res.status).toBe(502);
    expect(res.headers['x-failed']).toBe('xml-to-json');
  });

  it('validate-content: a request that does not match the operation schema never reaches the backend', async () => {
    const gw = await serve({
      inbound: [
        {
          'validate-content': {
            'unspecified-content-type-action': 'prevent',
            'max-size': 1024,
            'size-exceeded-action': 'prevent',
            content: [{ type: 'application/json', 'validate-as': 'json', action: 'prevent' }],
          },
        },
      ],
    });
    const bad = await post(`${gw.url}/shop/orders`, '{"id":"seven"}');
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({
      code: 'body_does_not_match_schema',
      message: 'The request body does not match the API schema for application/json: at /id: must be integer',
    });
    expect(received).toBeUndefined();
    const tooBig = await post(
      `${gw.url}/shop/orders`,
      JSON.stringify({ id: 1, lines: Array.from({ length: 100 }, () => ({ sku: 'abcdefgh' })) }),
    );
    expect(tooBig.json()).toMatchObject({ code: 'body_too_large' });
    const good = await post(`${gw.url}/shop/orders`, '{"id":7,"lines":[{"sku":"a"}]}');
    expect(good.status).toBe(200);
    expect(received?.body).toBe('{"id":7,"lines":[{"sku":"a"}]}');
  });

  it('validate-content: detect lets a bad response through; prevent turns it into a 502', async () => {
    reply = {
      status: 200,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"lines":[]}'),
    };
    const config = (action: string) => ({
      'unspecified-content-type-action': 'ignore',
      'max-size': 1024,
      'size-exceeded-action': 'prevent',
      'errors-variable-name': 'errors',
      content: [{ 'validate-as': 'json', action }],
    });
    const detect = await serve({
      outbound: [
        { 'validate-content': config('detect') },
        { 'set-header': { name: 'x-errors', value: ['@(string(size(variables.errors)))'] } },
      ],
    });
    const passed = await call(`${detect.url}/shop/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(passed.status).toBe(200);
    expect(passed.headers['x-errors']).toBe('1');
    await detect.close();
    gateway = await serve({ outbound: [{ 'validate-content': config('prevent') }] });
    const refused = await call(`${gateway.url}/shop/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(502);
    expect(refused.json()).toMatchObject({
      message: "The response body does not match the API schema for application/json: at /: must have required property 'id'",
    });
  });

  it('validate-graphql-request: refuses in GraphQL error format and rewrites removed fields', async () => {
    const gw = await serve({
      inbound: [
        {
          'validate-graphql-request': {
            'max-size': 10_000,
            'max-depth': 4,
            authorize: [
              { path: '/__*', action: 'reject' },
              { path: '/*/ssn', action: 'remove' },
            ],
          },
        },
      ],
    });
    const introspection = await post(`${gw.url}/shop/graphql`, JSON.stringify({ query: '{ __schema { types { name } } }' }));
    expect(introspection.status).toBe(400);
    expect(introspection.headers['content-type']).toBe('application/json');
    expect(introspection.json()).toMatchObject({
      errors: [
        { message: "Access to the field '__schema' is not allowed (rule /__*).", extensions: { code: 'FIELD_NOT_AUTHORIZED' } },
      ],
    });
    expect(introspection.json()).not.toHaveProperty('data');
    expect(received).toBeUndefined();
    const res = await post(`${gw.url}/shop/graphql`, JSON.stringify({ query: '{ users { name ssn } }' }));
    expect(res.status).toBe(200);
    expect(JSON.parse(received!.body)).toEqual({ query: '{\n  users {\n    name\n  }\n}' });
  });

  it('refuses a configuration the schema rejects, naming the field', async () => {
    await expect(
      startGateway(viewOf({ inbound: [{ 'set-body': { value: 'Hello {{ body.name }}', template: 'liquid' } }] })),
    ).rejects.toThrow(ConfigCompileError);
    await expect(
      startGateway(viewOf({ inbound: [{ 'set-body': { value: 'Hello {{ body.name }}', template: 'liquid' } }] })),
    ).rejects.toThrow('template: Liquid templates are not supported');
  });
});
