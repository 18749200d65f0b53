import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OperationRepresentation, OperationResponse } from '../../../db/schema/index.js';
import { ImportError, type ImportedApi, type ImportedOperation, type ImportIssue, type ImportSource } from './imported-api.js';
import { importOpenApi } from './openapi-import.js';
import { descriptionsIn, fixtures, loadSource, openApiCorpus } from './testdata/openapi/corpus.js';

function operation(api: ImportedApi, name: string): ImportedOperation {
  const found = api.operations.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no operation ${name} in ${api.operations.map((o) => o.name).join(', ')}`);
  return found;
}

function routes(api: ImportedApi): string[] {
  return api.operations.map((o) => `${o.name} ${o.method} ${o.urlTemplate}`);
}

function response(op: ImportedOperation, status: OperationResponse['status']): OperationResponse {
  const found = op.responses.find((candidate) => candidate.status === status);
  if (!found) throw new Error(`${op.name} has no ${status} response`);
  return found;
}

function representation(
  target: { representations?: OperationRepresentation[] } | null,
  contentType: string,
): OperationRepresentation {
  const found = target?.representations?.find((candidate) => candidate.contentType === contentType);
  if (!found) throw new Error(`no ${contentType} representation`);
  return found;
}

async function issuesOf(source: ImportSource): Promise<ImportIssue[]> {
  const error: unknown = await importOpenApi(source).then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ImportError);
  return (error as ImportError).issues;
}

const yaml = (text: string): ImportSource => ({ fileName: 'api.yaml', text });

const corpus = descriptionsIn(openApiCorpus);

const petstoreV2Routes = ['findPets GET /pets', 'addPet POST /pets', 'findPetById GET /pets/{id}', 'deletePet DELETE /pets/{id}'];

function expectPetstoreV2(api: ImportedApi, byIdName = 'findPetById'): void {
  expect(routes(api)).toEqual(petstoreV2Routes.map((route) => route.replace('findPetById', byIdName)));
  expect(api).toMatchObject({ serviceUrl: 'http://petstore.swagger.io/api', suggestedPath: 'api', declaredVersion: '1.0.0' });
  expect(operation(api, 'addPet').request).toMatchObject({ required: true, description: 'Pet to add to the store' });
  const find = operation(api, 'findPets');
  expect(find.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
    ['tags', 'query', false],
    ['limit', 'query', false],
  ]);
  expect(find.parameters[0]?.schema).toEqual({ type: 'array', items: { type: 'string' } });
  expect(find.parameters[1]?.schema).toEqual({ type: 'integer', format: 'int32' });
  expect(representation(response(find, 'default'), 'application/json').schema).toMatchObject({ required: ['code', 'message'] });
  expect(operation(api, byIdName).parameters).toEqual([
    expect.objectContaining({ name: 'id', in: 'path', required: true, schema: { type: 'integer', format: 'int64' } }),
  ]);
  expect(response(operation(api, 'deletePet'), 204).representations).toBeUndefined();
}

/** What each corpus document must import to; every document found must have an entry. */
const facts: Record<string, (api: ImportedApi) => void> = {};
function fact(names: string[], check: (api: ImportedApi) => void): void {
  for (const name of names) facts[name] = check;
}
const twins = (folder: string, name: string): string[] =>
  folder.startsWith('v2.0')
    ? [`oai-examples/${folder}/json/${name}.json`, `oai-examples/${folder}/yaml/${name}.yaml`]
    : [`oai-examples/${folder}/${name}.json`, `oai-examples/${folder}/${name}.yaml`];

fact(twins('v2.0', 'api-with-examples'), (api) => {
  expect(routes(api)).toEqual(['listVersionsv2 GET /', 'getVersionDetailsv2 GET /v2']);
  expect(api).toMatchObject({ name: 'Simple API overview', declaredVersion: 'v2', serviceUrl: undefined, suggestedPath: '' });
  const versions = operation(api, 'listVersionsv2');
  expect(versions.description).toBe('List API versions');
  expect(versions.responses.map((r) => r.status)).toEqual([200, 300]);
  // Swagger 2.0 examples are keyed by media type; these are JSON text, kept as written.
  const ok = representation(response(versions, 200), 'application/json');
  expect(ok.schema).toBeUndefined();
  expect(ok.examples?.default).toEqual(expect.stringContaining('"status": "EXPERIMENTAL"') as string);
  expect(representation(response(operation(api, 'getVersionDetailsv2'), 203), 'application/json').examples?.default).toEqual(
    expect.stringContaining('23.253.228.211') as string,
  );
});
fact(twins('v2.0', 'petstore-expanded'), (api) => {
  // Its operationId for GET /pets/{id} really is "find pet by id", spaces and all.
  expectPetstoreV2(api, 'find pet by id');
  expect(representation(operation(api, 'addPet').request, 'application/json').schema).toMatchObject({ required: ['name'] });
  // Only the document-level `produces` applies.
  expect(response(operation(api, 'findPets'), 200).representations?.map((r) => r.contentType)).toEqual(['application/json']);
});
fact(twins('v2.0', 'petstore-minimal'), (api) => {
  // No operationId: the name is made from method and path.
  expect(routes(api)).toEqual(['get-pets GET /pets']);
  expect(operation(api, 'get-pets').description).toBe('Returns all pets from the system that the user has access to');
  expect(representation(response(operation(api, 'get-pets'), 200), 'application/json').schema).toEqual({
    type: 'array',
    items: {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'integer', format: 'int64' }, name: { type: 'string' }, tag: { type: 'string' } },
    },
  });
});
fact(
  ['oai-examples/v2.0/json/petstore-separate/spec/swagger.json', 'oai-examples/v2.0/yaml/petstore-separate/spec/swagger.yaml'],
  (api) => {
    expectPetstoreV2(api, 'find pet by id');
    expect(operation(api, 'findPets').parameters[0]?.description).toBe('tags to filter by');
    expect(representation(response(operation(api, 'find pet by id'), 200), 'application/json').schema).toEqual({
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'integer', format: 'int64' }, name: { type: 'string' }, tag: { type: 'string' } },
    });
    // NewPet (one file) extends Pet (another) with allOf; Error comes from ../common.
    expect(representation(operation(api, 'addPet').request, 'application/json').schema).toMatchObject({
      allOf: [{ required: ['id', 'name'] }, { required: ['name'], properties: { description: { type: 'integer' } } }],
    });
    expect(JSON.stringify(api.operations)).not.toContain('$ref');
  },
);
fact(twins('v2.0', 'petstore-simple'), (api) => {
  expectPetstoreV2(api);
  expect(representation(operation(api, 'addPet').request, 'application/json').schema).toMatchObject({ required: ['name'] });
  // The operation's `produces` overrides the document's: one representation per media type.
  const list = response(operation(api, 'findPets'), 200);
  expect(list.representations?.map((r) => r.contentType)).toEqual([
    'application/json',
    'application/xml',
    'text/xml',
    'text/html',
  ]);
  // `Pet` is `allOf: [NewPet, {id}]`, inlined.
  expect(representation(list, 'text/xml').schema).toMatchObject({
    type: 'array',
    items: { type: 'object', allOf: [{ required: ['name'] }, { required: ['id'] }] },
  });
});
fact(twins('v2.0', 'petstore-with-external-docs'), (api) => {
  expectPetstoreV2(api);
  expect(operation(api, 'findPets').description).toBe('Returns all pets from the system that the user has access to');
});
fact(twins('v2.0', 'petstore'), (api) => {
  expect(routes(api)).toEqual(['listPets GET /pets', 'createPets POST /pets', 'showPetById GET /pets/{petId}']);
  expect(api).toMatchObject({ serviceUrl: 'http://petstore.swagger.io/v1', suggestedPath: 'v1' });
  const list = operation(api, 'listPets');
  expect(list.tags).toEqual(['pets']);
  expect(response(list, 200).headers).toEqual([
    {
      name: 'x-next',
      in: 'header',
      required: false,
      description: 'A link to the next page of responses',
      schema: { type: 'string' },
    },
  ]);
  expect(operation(api, 'createPets').request).toBeNull();
  expect(operation(api, 'showPetById').parameters).toEqual([
    { name: 'petId', in: 'path', required: true, description: 'The id of the pet to retrieve', schema: { type: 'string' } },
  ]);
});
fact(twins('v2.0', 'uber'), (api) => {
  expect(routes(api)).toEqual([
    'get-products GET /products',
    'get-estimates-price GET /estimates/price',
    'get-estimates-time GET /estimates/time',
    'get-me GET /me',
    'get-history GET /history',
  ]);
  expect(api).toMatchObject({ name: 'Uber API', serviceUrl: 'https://api.uber.com/v1', suggestedPath: 'v1' });
  const products = operation(api, 'get-products');
  expect(products.description).toMatch(/^Product Types\n\nThe Products endpoint returns information/);
  expect(products.tags).toEqual(['Products']);
  expect(products.parameters.map((p) => [p.name, p.required, p.schema])).toEqual([
    ['latitude', true, { type: 'number', format: 'double' }],
    ['longitude', true, { type: 'number', format: 'double' }],
  ]);
  expect(representation(response(operation(api, 'get-history'), 200), 'application/json').schema).toMatchObject({
    properties: { history: { type: 'array', items: { properties: { uuid: { type: 'string' } } } } },
  });
});
fact(twins('v3.0', 'api-with-examples'), (api) => {
  expect(routes(api)).toEqual(['listVersionsv2 GET /', 'getVersionDetailsv2 GET /v2']);
  const versions = operation(api, 'listVersionsv2');
  const ok = representation(response(versions, 200), 'application/json');
  expect(ok.examples?.foo).toMatchObject({
    versions: [
      { status: 'CURRENT', id: 'v2.0' },
      { status: 'EXPERIMENTAL', id: 'v3.0' },
    ],
  });
  // The 300 example is a YAML block scalar: a string, not an object.
  expect(representation(response(versions, 300), 'application/json').examples?.foo).toEqual(
    expect.stringContaining('"versions"') as string,
  );
  expect(representation(response(operation(api, 'getVersionDetailsv2'), 203), 'application/json').examples?.foo).toMatchObject({
    version: { links: [{ href: 'http://23.253.228.211:8774/v2/' }, {}, {}] },
  });
});
fact(twins('v3.0', 'callback-example'), (api) => {
  expect(routes(api)).toEqual(['post-streams POST /streams']);
  const subscribe = operation(api, 'post-streams');
  // The parameter's schema example became a JSON Schema `examples` entry.
  expect(subscribe.parameters).toEqual([
    expect.objectContaining({
      name: 'callbackUrl',
      in: 'query',
      required: true,
      schema: { type: 'string', format: 'uri', examples: ['https://tonys-server.com'] },
    }),
  ]);
  expect(representation(response(subscribe, 201), 'application/json').schema).toMatchObject({
    required: ['subscriptionId'],
    properties: { subscriptionId: { examples: ['2531329f-fb09-4ef7-887e-84e648214436'] } },
  });
  expect(api.warnings).toEqual([
    expect.objectContaining({
      pointer: '/paths/~1streams/post/callbacks/onData',
      message: expect.stringContaining('callback') as string,
    }),
  ]);
  expect(api.warnings[0]?.line).toBe(api.sourceFormat === 'openapi-yaml' ? 36 : 47);
});
fact(twins('v3.0', 'link-example'), (api) => {
  expect(api.operations.map((o) => o.name)).toEqual([
    'getUserByName',
    'getRepositoriesByOwner',
    'getRepository',
    'getPullRequestsByRepository',
    'getPullRequestsById',
    'mergePullRequest',
  ]);
  expect(operation(api, 'getRepository').urlTemplate).toBe('/2.0/repositories/{username}/{slug}');
  expect(operation(api, 'mergePullRequest').parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
    'path:username',
    'path:slug',
    'path:pid',
  ]);
  expect(operation(api, 'getPullRequestsByRepository').parameters[2]).toEqual({
    name: 'state',
    in: 'query',
    required: false,
    schema: { type: 'string', enum: ['open', 'merged', 'declined'] },
  });
  // pullrequest → repository → user is deep but not recursive: all inlined, no $defs.
  expect(representation(response(operation(api, 'getPullRequestsById'), 200), 'application/json').schema).toEqual({
    type: 'object',
    properties: {
      id: { type: 'integer' },
      title: { type: 'string' },
      repository: {
        type: 'object',
        properties: {
          slug: { type: 'string' },
          owner: { type: 'object', properties: { username: { type: 'string' }, uuid: { type: 'string' } } },
        },
      },
      author: { type: 'object', properties: { username: { type: 'string' }, uuid: { type: 'string' } } },
    },
  });
});
fact(twins('v3.0', 'petstore-expanded'), (api) => {
  expect(routes(api)).toEqual(petstoreV2Routes.map((route) => route.replace('findPetById', 'find pet by id')));
  expect(api).toMatchObject({ serviceUrl: 'https://petstore.swagger.io/v2', suggestedPath: 'v2' });
  expect(operation(api, 'addPet').request).toMatchObject({ required: true, description: 'Pet to add to the store' });
  expect(representation(response(operation(api, 'addPet'), 200), 'application/json').schema).toMatchObject({
    allOf: [
      { type: 'object', required: ['name'] },
      { type: 'object', required: ['id'] },
    ],
  });
});
fact(twins('v3.0', 'petstore'), (api) => {
  expect(routes(api)).toEqual(['listPets GET /pets', 'createPets POST /pets', 'showPetById GET /pets/{petId}']);
  expect(operation(api, 'listPets').parameters[0]?.schema).toEqual({ type: 'integer', maximum: 100, format: 'int32' });
  expect(operation(api, 'createPets').request).toMatchObject({
    required: true,
    representations: [{ contentType: 'application/json' }],
  });
  expect(representation(response(operation(api, 'listPets'), 200), 'application/json').schema).toMatchObject({
    type: 'array',
    maxItems: 100,
    items: { required: ['id', 'name'] },
  });
});
fact(twins('v3.0', 'uspto'), (api) => {
  expect(routes(api)).toEqual([
    'list-data-sets GET /',
    'list-searchable-fields GET /{dataset}/{version}/fields',
    'perform-search POST /{dataset}/{version}/records',
  ]);
  // `{scheme}` takes its default.
  expect(api).toMatchObject({
    serviceUrl: 'https://developer.uspto.gov/ds-api',
    suggestedPath: 'ds-api',
    name: 'USPTO Data Set API',
  });
  expect(operation(api, 'list-searchable-fields').parameters).toEqual([
    {
      name: 'dataset',
      in: 'path',
      required: true,
      description: 'Name of the dataset.',
      schema: { type: 'string', examples: ['oa_citations'] },
    },
    {
      name: 'version',
      in: 'path',
      required: true,
      description: 'Version of the dataset.',
      schema: { type: 'string', examples: ['v1'] },
    },
  ]);
  expect(representation(response(operation(api, 'list-data-sets'), 200), 'application/json').examples?.default).toMatchObject({
    total: 2,
    apis: [{ apiKey: 'oa_citations' }, { apiKey: 'cancer_moonshot' }],
  });
  const search = operation(api, 'perform-search');
  expect(representation(search.request, 'application/x-www-form-urlencoded').schema).toMatchObject({
    type: 'object',
    required: ['criteria'],
    properties: { start: { type: 'integer', default: 0 }, rows: { type: 'integer', default: 100 } },
  });
  expect(response(search, 404)).toEqual({ status: 404, description: 'No matching record found for the given criteria.' });
});
fact(twins('v3.1', 'non-oauth-scopes'), (api) => {
  // OpenAPI 3.1 made `responses` optional; this operation has none.
  expect(api.operations).toEqual([
    {
      name: 'get-users',
      description: '',
      method: 'GET',
      urlTemplate: '/users',
      parameters: [],
      request: null,
      responses: [],
      tags: [],
      binding: null,
    },
  ]);
});
fact(twins('v3.1', 'webhook-example'), (api) => {
  expect(api.operations).toEqual([]);
  expect(api.warnings.map((w) => [w.pointer, w.line])).toEqual([
    ['', 1],
    ['/webhooks/newPet', 8],
  ]);
  expect(api.warnings[1]?.message).toContain("webhook 'newPet' is not imported");
});
fact(['swagger-petstore-v3/openapi.yaml'], (api) => {
  expect(api.operations).toHaveLength(19);
  expect(api).toMatchObject({
    name: 'Swagger Petstore - OpenAPI 3.0',
    declaredVersion: '1.0.27-SNAPSHOT',
    serviceUrl: 'https://petstore3.swagger.io/api/v3',
    suggestedPath: 'api/v3',
    sourceFormat: 'openapi-yaml',
  });
  const byId = operation(api, 'getPetById');
  expect(byId).toMatchObject({
    method: 'GET',
    urlTemplate: '/pet/{petId}',
    tags: ['pet'],
    description: 'Find pet by ID.\n\nReturns a single pet.',
  });
  expect(byId.parameters).toEqual([
    {
      name: 'petId',
      in: 'path',
      required: true,
      description: 'ID of pet to return',
      schema: { type: 'integer', format: 'int64' },
    },
  ]);
  expect(byId.responses.map((r) => r.status)).toEqual([200, 400, 404, 'default']);
  // Property examples in the Pet schema survive as JSON Schema `examples`.
  expect(representation(response(byId, 200), 'application/xml').schema).toMatchObject({
    required: ['name', 'photoUrls'],
    properties: {
      id: { examples: [10] },
      name: { examples: ['doggie'] },
      category: { properties: { name: { examples: ['Dogs'] } } },
    },
  });
  expect(operation(api, 'updatePet').request?.representations.map((r) => r.contentType)).toEqual([
    'application/json',
    'application/xml',
    'application/x-www-form-urlencoded',
  ]);
  expect(response(operation(api, 'loginUser'), 200).headers?.map((h) => [h.name, h.schema])).toEqual([
    ['X-Rate-Limit', { type: 'integer', format: 'int32' }],
    ['X-Expires-After', { type: 'string', format: 'date-time' }],
  ]);
  expect(operation(api, 'deletePet').parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['header:api_key', 'path:petId']);
  expect(representation(operation(api, 'uploadFile').request, 'application/octet-stream').schema).toEqual({
    type: 'string',
    format: 'binary',
  });
});

describe('importOpenApi over the public corpus', () => {
  it('finds every description, and only fragments of the multi-file specs besides', () => {
    expect(corpus.documents.map((d) => d.name).sort()).toEqual(Object.keys(facts).sort());
    expect(corpus.fragments.every((file) => file.includes('/petstore-separate/'))).toBe(true);
    expect(corpus.fragments).toHaveLength(8);
  });

  it.each(corpus.documents)('imports $name', async ({ name, source }) => {
    const api = await importOpenApi(source);
    expect(api.type).toBe('http');
    expect(api.sourceFormat).toBe(`${name.includes('v2.0') ? 'swagger' : 'openapi'}-${name.endsWith('.json') ? 'json' : 'yaml'}`);
    for (const op of api.operations) {
      expect(op.binding).toBeNull();
      expect(op.method).toMatch(/^[A-Z]+$/);
      expect(op.urlTemplate).toMatch(/^\//);
    }
    expect(new Set(api.operations.map((o) => o.name)).size).toBe(api.operations.length);
    if (!/callback|webhook/.test(name)) expect(api.warnings).toEqual([]);
    facts[name]?.(api);
  });

  it('reads the multi-file spec only with its files, and reports the first missing one where it is referenced', async () => {
    const main = corpus.documents.find((d) => d.name.endsWith('yaml/petstore-separate/spec/swagger.yaml'));
    if (!main) throw new Error('multi-file spec missing from the corpus');
    const issues = await issuesOf({ fileName: main.source.fileName, text: main.source.text });
    expect(issues).toContainEqual({
      pointer: '/paths/~1pets/get/parameters/0/$ref',
      line: 32,
      message: "cannot resolve $ref 'parameters.yaml#/tagsParam': file 'parameters.yaml' was not provided",
    });
    expect(issues).toContainEqual(
      expect.objectContaining({ pointer: '/paths/~1pets/get/responses/default/schema/$ref', line: 44 }),
    );
  });

  it('does not take a fragment for an API description', async () => {
    const fragment = path.join(openApiCorpus, 'oai-examples/v2.0/yaml/petstore-separate/spec/Pet.yaml');
    const issues = await issuesOf(loadSource(fragment));
    expect(issues).toEqual([
      { pointer: '', line: 1, message: "not an OpenAPI or Swagger document: it has no 'openapi' or 'swagger' member" },
    ]);
  });
});

describe('importOpenApi with a multi-file OpenAPI 3.1 spec', () => {
  const load = () => loadSource(path.join(fixtures, 'multi-file/openapi.yaml'));

  it('resolves refs across files and folders, keeping recursive schemas in $defs', async () => {
    const source = load();
    expect(Object.keys(source.files ?? {}).sort()).toEqual([
      'components/examples.yaml',
      'components/parameters.yaml',
      'components/responses.yaml',
      'paths/pets.yaml',
      'schemas/owner.yaml',
      'schemas/pet.yaml',
      'schemas/problem.yaml',
    ]);
    const api = await importOpenApi(source);
    expect(api).toMatchObject({ serviceUrl: 'https://eu.pets.example.com/v2', suggestedPath: 'v2', warnings: [] });
    expect(routes(api)).toEqual(['listPets GET /pets', 'addPet POST /pets', 'getPet GET /pets/{petId}']);

    // Pet → NewPet → owner.yaml → Pet is a cycle across two files: all three live in $defs.
    const pet = representation(response(operation(api, 'getPet'), 200), 'application/json');
    expect(pet.schema).toEqual({
      description: 'The pet asked for',
      allOf: [{ $ref: '#/$defs/Pet' }],
      $defs: {
        Pet: {
          allOf: [
            { $ref: '#/$defs/NewPet' },
            { type: 'object', required: ['id'], properties: { id: { type: 'integer', format: 'int64' } } },
          ],
        },
        NewPet: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, owner: { $ref: '#/$defs/owner' } },
        },
        owner: {
          type: 'object',
          properties: { name: { type: 'string' }, pets: { type: 'array', items: { $ref: '#/$defs/Pet' } } },
        },
      },
    });
    expect(pet.examples).toEqual({ rex: { id: 7, name: 'Rex' } });
    expect(operation(api, 'getPet').parameters).toEqual([
      { name: 'petId', in: 'path', required: true, schema: { type: 'integer', examples: [7] } },
    ]);
    expect(response(operation(api, 'getPet'), 'default')).toEqual({
      status: 'default',
      description: 'Something went wrong',
      representations: [
        {
          contentType: 'application/problem+json',
          schema: { type: 'object', properties: { title: { type: 'string' }, status: { type: 'integer' } } },
        },
      ],
    });
    expect(operation(api, 'listPets').parameters).toEqual([
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', maximum: 100 } },
    ]);
    // Each stored schema is a copy: editing one operation's cannot change another's.
    const list = representation(response(operation(api, 'listPets'), 200), 'application/json').schema as { $defs: object };
    expect(list.$defs).not.toBe((pet.schema as { $defs: object }).$defs);
  });

  it('reports a ref to a file that was not given, naming the file the ref is in', async () => {
    const source = load();
    const { 'schemas/owner.yaml': _owner, ...files } = source.files ?? {};
    const issues = await issuesOf({ ...source, files });
    expect(issues).toEqual([
      {
        pointer: '/NewPet/properties/owner/$ref',
        line: 17,
        file: 'schemas/pet.yaml',
        message: "cannot resolve $ref './owner.yaml': file 'schemas/owner.yaml' was not provided",
      },
    ]);
  });

  it('reports parse errors in referenced files with their file and line', async () => {
    const source = load();
    const issues = await issuesOf({
      ...source,
      files: { ...source.files, 'schemas/problem.yaml': 'type: object\nproperties: [\n' },
    });
    expect(issues).toEqual([
      expect.objectContaining({
        pointer: '/Problem/content/application~1problem+json/schema/$ref',
        file: 'components/responses.yaml',
        line: 6,
      }),
      expect.objectContaining({
        pointer: '',
        file: 'schemas/problem.yaml',
        line: 3,
        message: expect.stringMatching(/^invalid YAML/) as string,
      }),
    ]);
  });

  it('never reads the file system: refs that leave the given files fail', async () => {
    const issues = await issuesOf(
      yaml(`openapi: 3.0.3
info: { title: Escape, version: "1" }
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { $ref: "/etc/passwd" }
        "201":
          description: ok
          content:
            application/json:
              schema: { $ref: "https://example.com/pet.json" }
`),
    );
    expect(issues.map((i) => [i.pointer, i.line, i.message])).toEqual([
      [
        '/paths/~1a/get/responses/200/content/application~1json/schema/$ref',
        11,
        "cannot resolve $ref '/etc/passwd': absolute paths are not supported; use a relative path",
      ],
      [
        '/paths/~1a/get/responses/201/content/application~1json/schema/$ref',
        16,
        "cannot resolve $ref 'https://example.com/pet.json': remote references are not fetched; provide the file",
      ],
    ]);
  });
});

describe('importOpenApi translation rules', () => {
  it('keeps recursive schemas as $defs and rewrites OpenAPI 3.0 keywords as JSON Schema', async () => {
    const api = await importOpenApi({
      fileName: 'recursive.yaml',
      text: readFileSync(path.join(fixtures, 'recursive.yaml'), 'utf8'),
    });
    expect(representation(response(operation(api, 'getNode'), 200), 'application/json').schema).toEqual({
      $ref: '#/$defs/Node',
      $defs: {
        Node: {
          type: 'object',
          properties: {
            value: { type: ['string', 'null'] },
            parent: { $ref: '#/$defs/Node' },
            children: { type: 'array', items: { $ref: '#/$defs/Node' } },
          },
        },
      },
    });
    const people = representation(response(operation(api, 'listPeople'), 200), 'application/json').schema as Record<
      string,
      unknown
    >;
    expect(people).toMatchObject({ type: 'array', items: { $ref: '#/$defs/Person' } });
    expect(people.$defs).toEqual({
      Person: {
        type: 'object',
        properties: { name: { type: 'string', examples: ['Ada'] }, employer: { $ref: '#/$defs/Company' } },
      },
      Company: {
        type: 'object',
        properties: {
          employees: { type: 'array', items: { $ref: '#/$defs/Person' } },
          rating: { type: 'number', exclusiveMinimum: 0 },
        },
      },
    });
  });

  it('merges path-level and operation-level parameters, the operation winning, and warns about what it drops', async () => {
    const api = await importOpenApi(
      yaml(`openapi: 3.0.3
info: { title: Params, version: "1" }
paths:
  /orders/{orderId}:
    parameters:
      - { name: orderId, in: path, required: true, schema: { type: string } }
      - { name: trace, in: header, description: path level, schema: { type: string } }
      - { name: session, in: cookie, schema: { type: string } }
    get:
      parameters:
        - { name: TRACE, in: header, description: operation level, required: true, schema: { type: string } }
        - { name: Accept, in: header, schema: { type: string } }
        - name: filter
          in: query
          content:
            application/json:
              schema: { type: object }
              example: { status: open }
      responses:
        "2XX": { description: any success }
        "200": { description: ok }
`),
    );
    const get = operation(api, 'get-orders-orderid');
    expect(get.parameters).toEqual([
      { name: 'orderId', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'TRACE', in: 'header', required: true, description: 'operation level', schema: { type: 'string' } },
      { name: 'filter', in: 'query', required: false, schema: { type: 'object', examples: [{ status: 'open' }] } },
    ]);
    expect(get.responses).toEqual([{ status: 200, description: 'ok' }]);
    expect(api.warnings.map((w) => [w.pointer, w.line])).toEqual([
      ['/paths/~1orders~1{orderId}/parameters/2', 8],
      ['/paths/~1orders~1{orderId}/get/parameters/1', 12],
      ['/paths/~1orders~1{orderId}/get/responses/2XX', 20],
    ]);
  });

  it('converts Swagger 2.0 body and formData parameters into request representations', async () => {
    const api = await importOpenApi({
      fileName: 'swagger.json',
      text: JSON.stringify({
        swagger: '2.0',
        info: { title: 'Forms', version: '1' },
        consumes: ['application/json', 'text/json'],
        paths: {
          '/pets': {
            post: {
              operationId: 'createPet',
              parameters: [
                {
                  name: 'pet',
                  in: 'body',
                  required: true,
                  description: 'The pet',
                  schema: { type: 'object', 'x-nullable': true },
                },
              ],
              responses: { 201: { description: 'created' } },
            },
          },
          '/pets/{id}/photo': {
            put: {
              operationId: 'uploadPhoto',
              consumes: ['multipart/form-data'],
              parameters: [
                { name: 'id', in: 'path', required: true, type: 'integer', maximum: 10, exclusiveMaximum: true },
                { name: 'file', in: 'formData', type: 'file', required: true, description: 'The photo' },
                { name: 'caption', in: 'formData', type: 'string' },
                {
                  name: 'tags',
                  in: 'query',
                  type: 'array',
                  items: { type: 'string', collectionFormat: 'csv' },
                  collectionFormat: 'multi',
                },
              ],
              responses: { 204: { description: 'stored', headers: { 'X-Photo-Id': { type: 'string', description: 'new id' } } } },
            },
          },
        },
      }),
    });
    expect(operation(api, 'createPet').request).toEqual({
      description: 'The pet',
      required: true,
      representations: [
        { contentType: 'application/json', schema: { type: ['object', 'null'] } },
        { contentType: 'text/json', schema: { type: ['object', 'null'] } },
      ],
    });
    const upload = operation(api, 'uploadPhoto');
    expect(upload.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', exclusiveMaximum: 10 } },
      { name: 'tags', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } } },
    ]);
    expect(upload.request).toEqual({
      required: true,
      representations: [
        {
          contentType: 'multipart/form-data',
          schema: {
            type: 'object',
            properties: { file: { type: 'string', format: 'binary', description: 'The photo' }, caption: { type: 'string' } },
            required: ['file'],
          },
        },
      ],
    });
    expect(upload.responses).toEqual([
      {
        status: 204,
        description: 'stored',
        headers: [{ name: 'X-Photo-Id', in: 'header', required: false, description: 'new id', schema: { type: 'string' } }],
      },
    ]);
  });

  it('names operations without operationId from method and path, never reusing a name', async () => {
    const api = await importOpenApi(
      yaml(`openapi: 3.0.3
info: { title: Names, version: "1" }
paths:
  /pets:
    get: { responses: {} }
  /Pets/:
    get: { responses: {} }
  /things:
    get: { operationId: get-pets-2, responses: {} }
  /:
    get: { responses: {} }
`),
    );
    expect(api.operations.map((o) => o.name)).toEqual(['get-pets', 'get-pets-3', 'get-pets-2', 'get']);
  });

  it('follows YAML anchors and merge keys, reporting lines where the merged members are written', async () => {
    const issues = await issuesOf(
      yaml(`openapi: 3.0.3
info: { title: Anchors, version: "1" }
x-shared:
  problem: &problem
    description: failed
    content:
      application/json:
        schema: { $ref: "#/components/schemas/Gone" }
  base: &base
    responses:
      default: *problem
paths:
  /a:
    get:
      <<: *base
      operationId: a
  /b:
    get:
      <<: *base
      operationId: a
`),
    );
    expect(issues.map((i) => [i.pointer, i.line])).toEqual([
      ['/paths/~1a/get/responses/default/content/application~1json/schema/$ref', 8],
      ['/paths/~1b/get/responses/default/content/application~1json/schema/$ref', 8],
      ['/paths/~1b/get/operationId', 20],
    ]);
  });

  it('rejects a chain of references that never reaches a schema', async () => {
    const issues = await issuesOf(
      yaml(`openapi: 3.0.3
info: { title: Loop, version: "1" }
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { $ref: "#/components/schemas/A" }
components:
  schemas:
    A: { $ref: "#/components/schemas/B" }
    B: { $ref: "#/components/schemas/A" }
`),
    );
    expect(issues).toEqual([
      {
        pointer: '/paths/~1a/get/responses/200/content/application~1json/schema/$ref',
        line: 11,
        message: 'circular $ref: the chain of references never reaches a schema',
      },
    ]);
  });

  it('keeps versions written as numbers as written, and falls back to the file name for a missing title', async () => {
    const api = await importOpenApi({
      fileName: 'specs/orders.v1.yaml',
      text: 'swagger: 2.0\ninfo:\n  version: 1.10\npaths: {}\n',
    });
    expect(api).toMatchObject({
      name: 'orders.v1',
      declaredVersion: '1.10',
      sourceFormat: 'swagger-yaml',
      serviceUrl: undefined,
    });
    expect(api.warnings.map((w) => [w.pointer, w.line])).toEqual([
      ['/info', 2],
      ['/paths', 4],
    ]);
  });
});

describe('importOpenApi rejects what it cannot import, saying where', () => {
  it('reports broken YAML with the parser line', async () => {
    const issues = await issuesOf(yaml('openapi: 3.0.3\ninfo:\n  title: Broken\n  version: "1"\npaths:\n  /a:\n    get: [\n'));
    expect(issues).toEqual([{ pointer: '', line: 8, message: expect.stringMatching(/^invalid YAML: /) as string }]);
  });

  it('reports duplicate YAML keys on their line', async () => {
    const issues = await issuesOf(yaml('openapi: 3.0.3\ninfo: { title: Dup, version: "1" }\npaths: {}\npaths: {}\n'));
    expect(issues).toEqual([{ pointer: '', line: 4, message: 'invalid YAML: Map keys must be unique' }]);
  });

  it('reports broken JSON with its line', async () => {
    const text =
      '{\n  "openapi": "3.1.0",\n  "info": { "title": "Broken", "version": "1" },\n  "paths": {\n    "/a": {},\n  }\n}\n';
    const issues = await issuesOf({ fileName: 'api.json', text });
    expect(issues).toEqual([{ pointer: '', line: 6, message: expect.stringMatching(/^invalid JSON: /) as string }]);
  });

  it('reports documents that are not OpenAPI, or of a version it does not read', async () => {
    expect(await issuesOf(yaml('- just\n- a list\n'))).toEqual([
      { pointer: '', line: 1, message: 'not an OpenAPI or Swagger document: the top level is not an object' },
    ]);
    expect(await issuesOf(yaml('# comment\nopenapi: 2.5.0\n'))).toEqual([
      { pointer: '/openapi', line: 2, message: "unsupported OpenAPI version '2.5.0' (supported: 3.0.x, 3.1.x, and Swagger 2.0)" },
    ]);
    expect(await issuesOf(yaml('openapi: 3.0.3\ninfo: { title: No paths, version: "1" }\n'))).toEqual([
      { pointer: '', line: 1, message: "missing required 'paths'" },
    ]);
  });

  it('reports wrong types at their pointer and line, collecting all of them', async () => {
    const issues = await issuesOf(
      yaml(`openapi: 3.0.3
info: { title: Types, version: "1" }
paths:
  /pets:
    get:
      operationId: 42
      tags: pets
      parameters: {}
      responses: oops
    post:
      requestBody:
        content:
          application/json:
            schema: string
      responses: {}
`),
    );
    expect(issues.map((i) => [i.pointer, i.line, i.message])).toEqual([
      ['/paths/~1pets/get/operationId', 6, 'expected a string, found a number'],
      ['/paths/~1pets/get/tags', 7, 'expected an array, found a string'],
      ['/paths/~1pets/get/parameters', 8, 'expected an array, found an object'],
      ['/paths/~1pets/get/responses', 9, 'expected an object, found a string'],
      ['/paths/~1pets/post/requestBody/content/application~1json/schema', 14, 'expected a schema (an object or a boolean)'],
    ]);
  });

  it('reports an invalid method and a malformed path', async () => {
    const issues = await issuesOf(
      yaml(`openapi: 3.0.3
info: { title: Methods, version: "1" }
paths:
  /pets:
    fetch:
      responses: {}
  /pets/{id:
    get:
      responses: {}
  pets:
    get:
      responses: {}
`),
    );
    expect(issues.map((i) => [i.pointer, i.line])).toEqual([
      ['/paths/~1pets/fetch', 5],
      ['/paths/~1pets~1{id', 7],
      ['/paths/pets', 10],
    ]);
    expect(issues[0]?.message).toBe(
      "'fetch' is not an HTTP method OpenAPI 3.0 allows here (get, put, post, delete, options, head, patch, trace)",
    );
  });

  it('reports duplicate operationIds where the second one is, in JSON too', async () => {
    const text = JSON.stringify(
      {
        openapi: '3.0.3',
        info: { title: 'Duplicates', version: '1' },
        paths: {
          '/a': { get: { operationId: 'fetch', responses: {} } },
          '/b': { get: { operationId: 'fetch', responses: {} } },
        },
      },
      null,
      2,
    );
    expect(await issuesOf({ fileName: 'api.json', text })).toEqual([
      {
        pointer: '/paths/~1b/get/operationId',
        line: 16,
        message: "duplicate operationId 'fetch' (first used at /paths/~1a/get/operationId)",
      },
    ]);
  });

  it('reports path template parameters that are not declared, and declared ones not in the template', async () => {
    const issues = await issuesOf(
      yaml(`openapi: 3.0.3
info: { title: Templates, version: "1" }
paths:
  /pets/{petId}:
    get:
      responses: {}
  /owners:
    get:
      parameters:
        - { name: ownerId, in: path, required: true, schema: { type: string } }
      responses: {}
  /pets/{id}:
    get:
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses: {}
`),
    );
    expect(issues).toEqual([
      {
        pointer: '/paths/~1pets~1{petId}/get',
        line: 5,
        message: "path parameter '{petId}' of '/pets/{petId}' is not declared as a parameter 'in: path'",
      },
      {
        pointer: '/paths/~1owners/get/parameters/0',
        line: 10,
        message: "path parameter 'ownerId' does not appear in the path template '/owners'",
      },
      { pointer: '/paths/~1pets~1{id}/get', line: 13, message: 'GET /pets/{id} is the same route as GET /pets/{petId}' },
    ]);
  });

  it('reports refs to missing files and missing targets', async () => {
    const issues = await issuesOf(
      yaml(`openapi: 3.1.0
info: { title: Refs, version: "1" }
paths:
  /pets:
    get:
      parameters:
        - $ref: "#/components/parameters/Missing"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: ./schemas/pet.yaml#/Pet
`),
    );
    expect(issues).toEqual([
      {
        pointer: '/paths/~1pets/get/parameters/0/$ref',
        line: 7,
        message:
          "cannot resolve $ref '#/components/parameters/Missing': '/components/parameters/Missing' does not exist in 'api.yaml'",
      },
      {
        pointer: '/paths/~1pets/get/responses/200/content/application~1json/schema/$ref',
        line: 14,
        message: "cannot resolve $ref './schemas/pet.yaml#/Pet': file 'schemas/pet.yaml' was not provided",
      },
    ]);
  });
});

describe('importOpenApi at scale', () => {
  it('imports a generated spec with 2,000 operations', async () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) {
      paths[`/resources${i}/{id}`] = {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          operationId: `get${i}`,
          responses: {
            200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
          },
        },
        put: {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
          responses: { 204: { description: 'ok' } },
        },
      };
    }
    const document = {
      openapi: '3.0.3',
      info: { title: 'Large', version: '1' },
      paths,
      components: {
        schemas: {
          Item: {
            type: 'object',
            properties: { id: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Item' } } },
          },
        },
      },
    };
    const api = await importOpenApi({ fileName: 'large.json', text: JSON.stringify(document) });
    expect(api.operations).toHaveLength(2000);
    expect(api.operations[1]).toMatchObject({ name: 'put-resources0-id', method: 'PUT', urlTemplate: '/resources0/{id}' });
    expect(api.operations[1999]?.request?.representations[0]?.schema).toMatchObject({ $ref: '#/$defs/Item' });
  });
});
