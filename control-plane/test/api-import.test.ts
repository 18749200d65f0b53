import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apis, backends } from '../src/db/schema/index.js';
import { createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

const corpus = path.resolve(import.meta.dirname, '../../../shared/corpus');
const read = (file: string) => readFileSync(path.join(corpus, file), 'utf8');

describe('importing and exporting APIs through the API', () => {
  let h: Harness;
  let owner: SignedUp;
  let ws: string;
  let server: Server;
  let specUrl: string;

  beforeAll(async () => {
    h = await createHarness({ config: { importAllowPrivateUrls: true } });
    owner = await signUp(h, 'Importer');
    ws = owner.workspaceId;
    server = createServer((_req, res) => res.end(read('openapi/oai-examples/v3.0/petstore.yaml')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    specUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/petstore.yaml`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await h.close();
  });

  it('imports Swagger Petstore v3 with its 19 operations, a backend from its server URL, and the source verbatim', async () => {
    const text = read('openapi/swagger-petstore-v3/openapi.yaml');
    const result = await owner.client.call((c) =>
      c.apis.import({ workspaceId: ws, source: { content: text, fileName: 'openapi.yaml' }, path: 'petstore3' }),
    );
    expect(result).toMatchObject({
      created: 19,
      updated: 0,
      deleted: 0,
      api: { type: 'http', path: 'petstore3', sourceFormat: 'openapi-yaml' },
    });
    const ops = await owner.client.call((c) => c.operations.list({ workspaceId: ws, apiId: result.api.id, limit: 100 }));
    const getPetById = ops.items.find((o) => o.name === 'getPetById');
    expect(getPetById).toMatchObject({ method: 'GET', urlTemplate: '/pet/{petId}' });
    expect(getPetById?.parameters).toContainEqual(expect.objectContaining({ name: 'petId', in: 'path', required: true }));
    const [row] = await h.deps.db.select().from(apis).where(eq(apis.id, result.api.id));
    expect(row!.sourceText).toBe(text);
    const [backend] = await h.deps.db.select().from(backends).where(eq(backends.id, result.api.backendId!));
    expect(backend!.url).toMatch(/^https?:\/\//);
    const exported = await owner.client.call((c) => c.apis.export({ workspaceId: ws, apiId: result.api.id, format: 'source' }));
    expect(exported.content).toBe(text);
  });

  it('re-importing keeps the ids of operations that remain', async () => {
    const first = await owner.client.call((c) =>
      c.apis.import({
        workspaceId: ws,
        source: { content: read('openapi/oai-examples/v3.0/petstore-expanded.yaml') },
        path: 'expanded',
      }),
    );
    const before = await owner.client.call((c) => c.operations.list({ workspaceId: ws, apiId: first.api.id }));
    const again = await owner.client.call((c) =>
      c.apis.import({
        workspaceId: ws,
        apiId: first.api.id,
        source: { content: read('openapi/oai-examples/v3.0/petstore-expanded.json') },
      }),
    );
    expect(again).toMatchObject({ created: 0, updated: before.items.length, deleted: 0 });
    const after = await owner.client.call((c) => c.operations.list({ workspaceId: ws, apiId: first.api.id }));
    expect(after.items.map((o) => o.id).sort()).toEqual(before.items.map((o) => o.id).sort());
  });

  it('exports an http API as OpenAPI 3.1 that re-imports to the same operations', async () => {
    const imported = await owner.client.call((c) =>
      c.apis.import({
        workspaceId: ws,
        source: { content: read('openapi/oai-examples/v3.0/api-with-examples.yaml') },
        path: 'examples',
      }),
    );
    const exported = await owner.client.call((c) =>
      c.apis.export({ workspaceId: ws, apiId: imported.api.id, format: 'openapi-json' }),
    );
    expect(JSON.parse(exported.content)).toMatchObject({ openapi: '3.1.0' });
    const copy = await owner.client.call((c) =>
      c.apis.import({ workspaceId: ws, source: { content: exported.content }, path: 'examples-copy' }),
    );
    const strip = (items: { name: string; method: string; urlTemplate: string; parameters: unknown; responses: unknown }[]) =>
      items
        .map(({ name, method, urlTemplate, parameters, responses }) => ({ name, method, urlTemplate, parameters, responses }))
        .sort((a, b) => a.name.localeCompare(b.name));
    const original = await owner.client.call((c) => c.operations.list({ workspaceId: ws, apiId: imported.api.id }));
    const reimported = await owner.client.call((c) => c.operations.list({ workspaceId: ws, apiId: copy.api.id }));
    expect(strip(reimported.items)).toEqual(strip(original.items));
  });

  it('imports a multi-file Swagger 2.0 spec from its files', async () => {
    const dir = 'openapi/oai-examples/v2.0/json/petstore-separate';
    const result = await owner.client.call((c) =>
      c.apis.import({
        workspaceId: ws,
        source: {
          fileName: 'swagger.json',
          content: read(`${dir}/spec/swagger.json`),
          // Keyed by path relative to the main document, as its $refs name them.
          files: {
            'Pet.json': read(`${dir}/spec/Pet.json`),
            'NewPet.json': read(`${dir}/spec/NewPet.json`),
            'parameters.json': read(`${dir}/spec/parameters.json`),
            '../common/Error.json': read(`${dir}/common/Error.json`),
          },
        },
        path: 'separate',
      }),
    );
    expect(result.created).toBeGreaterThanOrEqual(4);
    expect(result.api.sourceFormat).toBe('swagger-json');
  });

  it('imports WSDL, .proto and GraphQL SDL into soap, grpc and graphql APIs', async () => {
    const soap = await owner.client.call((c) =>
      c.apis.import({ workspaceId: ws, source: { content: read('wsdl/eu-vies/checkVatService.wsdl') }, path: 'vies' }),
    );
    expect(soap.api.type).toBe('soap');
    const soapOps = await owner.client.call((c) => c.operations.list({ workspaceId: ws, apiId: soap.api.id }));
    expect(soapOps.items.map((o) => `${o.method} ${o.urlTemplate}`).sort()).toEqual(['POST /checkVat', 'POST /checkVatApprox']);
    expect(soapOps.items[0]!.binding).toMatchObject({ kind: 'soap', soapVersion: '1.1', style: 'document' });

    const grpc = await owner.client.call((c) =>
      c.apis.import({
        workspaceId: ws,
        source: { content: read('proto/grpc-proto/grpc/health/v1/health.proto'), fileName: 'grpc/health/v1/health.proto' },
        path: 'health',
      }),
    );
    expect(grpc.api.type).toBe('grpc');
    const grpcOps = await owner.client.call((c) => c.operations.list({ workspaceId: ws, apiId: grpc.api.id }));
    expect(grpcOps.items.map((o) => o.binding)).toContainEqual(
      expect.objectContaining({ kind: 'grpc', method: 'Watch', serverStreaming: true }),
    );

    const graphql = await owner.client.call((c) =>
      c.apis.import({ workspaceId: ws, source: { content: read('graphql/swapi/schema.graphql') }, path: 'swapi' }),
    );
    expect(graphql.api.type).toBe('graphql');
  });

  it('fetches a spec from a URL, and refuses private addresses unless allowed', async () => {
    const fetched = await owner.client.call((c) =>
      c.apis.import({ workspaceId: ws, source: { url: specUrl }, path: 'from-url' }),
    );
    expect(fetched.created).toBeGreaterThan(0);

    const strict = await createHarness();
    try {
      const other = await signUp(strict, 'Strict');
      const error = await errorOf(
        other.client.call((c) => c.apis.import({ workspaceId: other.workspaceId, source: { url: specUrl } })),
      );
      expect(error).toMatchObject({
        code: 'CP_ERR_VALIDATION',
        fields: { 'source.url': [expect.stringMatching(/private or loopback/) as string] },
      });
    } finally {
      await strict.close();
    }
  });

  it.each([
    ['broken YAML', 'openapi: 3.0.0\ninfo:\n  title: x\n  version: "1"\npaths:\n  /a:\n    get: [unclosed\n', 'openapi'],
    [
      'malformed WSDL',
      '<?xml version="1.0"?>\n<definitions xmlns="http://schemas.xmlsoap.org/wsdl/">\n  <message name="a">\n</definitions>\n',
      'wsdl',
    ],
    ['bad GraphQL', 'type Query {\n  hello: String\n  broken(: Int\n}\n', 'graphql'],
  ] as const)('refuses %s with the line of the problem and writes nothing', async (_name, content, format) => {
    const before = await tableCounts(h.deps.db);
    const error = await errorOf(
      owner.client.call((c) => c.apis.import({ workspaceId: ws, source: { content }, format, path: 'broken' })),
    );
    expect(error.code).toBe('CP_ERR_VALIDATION');
    expect(error.issues?.[0]?.line).toBeGreaterThan(1);
    expect(error.message).toMatch(/line \d+/);
    expect(await tableCounts(h.deps.db)).toEqual(before);
  });

  it('a document with an ambiguous pair of routes is refused as a whole', async () => {
    const content = JSON.stringify({
      openapi: '3.0.3',
      info: { title: 'Ambiguous', version: '1' },
      paths: {
        '/items/{id}': {
          get: {
            operationId: 'byId',
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
            responses: { 200: { description: 'ok' } },
          },
        },
        '/items/{name}': {
          get: {
            operationId: 'byName',
            parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
            responses: { 200: { description: 'ok' } },
          },
        },
      },
    });
    const before = await tableCounts(h.deps.db);
    const error = await errorOf(
      owner.client.call((c) => c.apis.import({ workspaceId: ws, source: { content }, path: 'ambiguous' })),
    );
    expect(error.issues).toEqual([
      { pointer: '/paths/~1items~1{name}/get', line: 1, message: 'GET /items/{name} is the same route as GET /items/{id}' },
    ]);
    expect(await tableCounts(h.deps.db)).toEqual(before);
  });
});
