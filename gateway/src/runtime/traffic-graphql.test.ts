import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiType } from '@portico/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestDocument } from '../pipeline/testing.js';
import { compileConfig, ConfigCompileError } from './compile-config.js';
import { call, pipelineFor, startGateway, view, type TestGateway, type ViewInit } from './testing.js';

const SDL = `
  interface Character { id: ID! name: String! }
  type Human implements Character { id: ID! name: String! homePlanet: String ssn: String }
  type Droid implements Character { id: ID! name: String! primaryFunction: String }
  type Query { hero: Character human(id: ID!): Human me: Human }
  type Mutation { deleteHuman(id: ID!): Boolean }
`;

interface Received {
  method: string;
  url: string;
  body: string;
}

interface GraphqlErrorBody {
  errors: { message: string; locations?: { line: number; column: number }[]; extensions: { code: string } }[];
  requestId: string;
}

describe('validate-graphql-request on traffic, against the API schema', () => {
  let backend: Server;
  let backendUrl = '';
  const received: Received[] = [];
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    // A GraphQL backend stand-in: records what reached it and answers with data.
    backend = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/graphql-response+json' });
        res.end('{"data":{"ok":true}}');
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    received.length = 0;
  });

  afterAll(async () => {
    backend.closeAllConnections();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  function viewOf(document: TestDocument, sdl = SDL): ViewInit {
    return {
      backends: [{ id: 'be_sw', targets: [{ url: `${backendUrl}/api` }] }],
      apis: [
        {
          id: 'api_sw',
          name: 'Star Wars',
          type: ApiType.GRAPHQL,
          path: 'starwars',
          subscriptionRequired: false,
          backendId: 'be_sw',
          graphqlSchema: sdl,
          operations: [
            { id: 'op_post', name: 'graphql.post', method: 'POST', urlTemplate: '/graphql' },
            { id: 'op_get', name: 'graphql.get', method: 'GET', urlTemplate: '/graphql' },
          ],
        },
      ],
      pipelines: [pipelineFor('op_post', document), pipelineFor('op_get', document)],
    };
  }

  function validating(authorize: Record<string, unknown>[] = []): TestDocument {
    return {
      inbound: [{ 'validate-graphql-request': { 'max-size': 10_000, 'max-depth': 5, authorize } }],
      'on-error': [{ 'set-header': { name: 'x-reason', value: ['@(context.lastError.reason)'] } }],
    };
  }

  async function serve(document: TestDocument) {
    gateway = await startGateway(viewOf(document));
    return gateway;
  }

  const post = (gw: TestGateway, body: unknown) =>
    call(`${gw.url}/starwars/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('passes a query valid against the schema to the backend as sent', async () => {
    const gw = await serve(validating());
    const body = { query: 'query Me { me { name ... on Human { homePlanet } } }', operationName: 'Me' };
    const res = await post(gw, body);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ data: { ok: true } });
    expect(received).toEqual([{ method: 'POST', url: '/api/graphql', body: JSON.stringify(body) }]);

    const get = await call(`${gw.url}/starwars/graphql?query=${encodeURIComponent('{ hero { id name } }')}`);
    expect(get.status).toBe(200);
    expect(received).toHaveLength(2);
  });

  it('answers an unknown field with 400 in the GraphQL error format, never reaching the backend', async () => {
    const gw = await serve(validating());
    const res = await post(gw, { query: '{ hero { name ssn } }' });
    expect(res.status).toBe(400);
    expect(res.headers['x-reason']).toBe('graphql-validation-failed');
    const body = res.json<GraphqlErrorBody>();
    expect(body.errors).toEqual([
      {
        message: 'Cannot query field "ssn" on type "Character".',
        locations: [{ line: 1, column: 15 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
    expect(body.requestId).toEqual(expect.any(String));

    const missingVariable = await post(gw, { query: 'query H($id: ID!) { human(id: $id) { name } }' });
    expect(missingVariable.status).toBe(400);
    expect(missingVariable.json<GraphqlErrorBody>().errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(received).toEqual([]);
  });

  it('strips a field of a nested type a remove rule names before the backend sees the query', async () => {
    const gw = await serve(validating([{ path: '/Human/ssn', action: 'remove' }]));
    const res = await post(gw, {
      query: 'query H($id: ID!) { human(id: $id) { name ssn } hero { ... on Human { ssn } id } }',
      variables: { id: '1000' },
    });
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toEqual({
      query: 'query H($id: ID!) {\n  human(id: $id) {\n    name\n  }\n  hero {\n    id\n  }\n}',
      variables: { id: '1000' },
    });
  });

  it('checks each document of a batch against the schema, rewriting the members a rule applies to', async () => {
    const gw = await serve(validating([{ path: '/Human/ssn', action: 'remove' }]));
    const res = await post(gw, [{ query: '{ me { ssn name } }' }, { query: '{ hero { id } }', operationName: null }]);
    expect(res.status).toBe(200);
    expect(JSON.parse(received[0]!.body)).toEqual([
      { query: '{\n  me {\n    name\n  }\n}' },
      { query: '{ hero { id } }', operationName: null },
    ]);
    const invalid = await post(gw, [{ query: '{ me { name } }' }, { query: '{ droid { id } }' }]);
    expect(invalid.status).toBe(400);
    expect(invalid.json<GraphqlErrorBody>().errors[0]?.message).toBe('Cannot query field "droid" on type "Query".');
    expect(received).toHaveLength(1);
  });

  it('rejects a field of an object type when it is selected through the interface', async () => {
    const gw = await serve(validating([{ path: '/Droid/name', action: 'reject' }]));
    const refused = await post(gw, { query: '{ hero { id name } }' });
    expect(refused.status).toBe(400);
    expect(refused.json<GraphqlErrorBody>().errors[0]).toMatchObject({
      message: "Access to the field 'name' is not allowed (rule /Droid/name).",
      extensions: { code: 'FIELD_NOT_AUTHORIZED' },
    });
    const human = await post(gw, { query: '{ me { name } }' });
    expect(human.status).toBe(200);
    expect(received).toHaveLength(1);
  });

  it('refuses a view whose SDL does not build, or a rule on a type the schema lacks, and keeps serving the last config', async () => {
    const gw = await serve(validating());
    const broken = view({ ...viewOf(validating(), 'type Query { hero: Charactr }'), revision: 2n, contentHash: 'hash-2' });
    expect(() => compileConfig(broken, gw.config)).toThrow(ConfigCompileError);
    expect(() => compileConfig(broken, gw.config)).toThrow(
      'pipeline op_post × (no product) inbound[0] validate-graphql-request: the API\'s GraphQL schema does not build: line 1: Unknown type "Charactr".',
    );
    const unknownType = view({ ...viewOf(validating([{ path: '/Wookiee/name', action: 'reject' }])), revision: 2n });
    expect(() => compileConfig(unknownType, gw.config)).toThrow("the API's GraphQL schema has no type Wookiee");
    expect((await post(gw, { query: '{ me { name } }' })).status).toBe(200);
  });

  it('validates against the re-imported schema once the view carries it, the pipeline unchanged', async () => {
    const gw = await serve(validating());
    expect((await post(gw, { query: '{ me { midichlorians } }' })).status).toBe(400);
    const reimported = SDL.replace('ssn: String }', 'ssn: String midichlorians: Int }');
    gw.swap(compileConfig(view({ ...viewOf(validating(), reimported), revision: 2n, contentHash: 'hash-2' }), gw.config));
    expect((await post(gw, { query: '{ me { midichlorians } }' })).status).toBe(200);
    expect(received).toHaveLength(1);
  });
});
