import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ImportedApi, ImportedOperation } from './imported-api.js';
import { exportOpenApi, type ExportedApi } from './openapi-export.js';
import { importOpenApi } from './openapi-import.js';
import { descriptionsIn, fixtures, loadSource, openApiCorpus } from './testdata/openapi/corpus.js';

const FORMATS = ['json', 'yaml'] as const;

function apiFields(api: ImportedApi): ExportedApi {
  return {
    name: api.name,
    description: api.description,
    declaredVersion: api.declaredVersion,
    ...(api.serviceUrl === undefined ? {} : { serviceUrl: api.serviceUrl }),
    path: api.suggestedPath,
  };
}

async function roundTrip(api: ImportedApi, format: 'json' | 'yaml'): Promise<ImportedApi> {
  return importOpenApi({ fileName: `exported.${format}`, text: exportOpenApi(apiFields(api), api.operations, format) });
}

const recursive = () =>
  importOpenApi({ fileName: 'recursive.yaml', text: readFileSync(path.join(fixtures, 'recursive.yaml'), 'utf8') });

function bare(name: string, overrides: Partial<ImportedOperation> = {}): ImportedOperation {
  return {
    name,
    description: '',
    method: 'GET',
    urlTemplate: `/${name}`,
    parameters: [],
    request: null,
    responses: [],
    tags: [],
    binding: null,
    ...overrides,
  };
}

describe('exportOpenApi round trip', () => {
  const documents = [
    ...descriptionsIn(openApiCorpus).documents,
    { name: 'testdata multi-file', source: loadSource(path.join(fixtures, 'multi-file/openapi.yaml')) },
    { name: 'testdata recursive', source: loadSource(path.join(fixtures, 'recursive.yaml')) },
  ];

  it.each(documents.flatMap((document) => FORMATS.map((format) => ({ ...document, format }))))(
    're-imports $name from $format to the same operations',
    async ({ source, format }) => {
      const api = await importOpenApi(source);
      const again = await roundTrip(api, format);
      expect(again.operations).toStrictEqual(api.operations);
      expect(apiFields(again)).toStrictEqual(apiFields(api));
      expect(again.sourceFormat).toBe(`openapi-${format}`);
    },
  );
});

describe('exportOpenApi', () => {
  it('writes OpenAPI 3.1 with operationIds, servers and only the members that have content', async () => {
    const api = await importOpenApi(loadSource(path.join(openApiCorpus, 'oai-examples/v3.0/petstore.yaml')));
    const document = JSON.parse(exportOpenApi(apiFields(api), api.operations, 'json')) as Record<string, unknown>;
    expect(document).toMatchObject({
      openapi: '3.1.0',
      info: { title: 'Swagger Petstore', version: '1.0.0' },
      servers: [{ url: 'http://petstore.swagger.io/v1' }],
    });
    expect(document.components).toBeUndefined();
    expect((document.paths as Record<string, unknown>)['/pets/{petId}']).toEqual({
      get: {
        operationId: 'showPetById',
        description: 'Info for a specific pet',
        tags: ['pets'],
        parameters: [
          { name: 'petId', in: 'path', description: 'The id of the pet to retrieve', required: true, schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description: 'Expected response to a valid request',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id', 'name'],
                  properties: { id: { type: 'integer', format: 'int64' }, name: { type: 'string' }, tag: { type: 'string' } },
                },
              },
            },
          },
          default: {
            description: 'unexpected error',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['code', 'message'],
                  properties: { code: { type: 'integer', format: 'int32' }, message: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    });
  });

  it('uses the API path as a relative server when there is no service URL', async () => {
    const text = exportOpenApi({ name: 'Pets', description: '', path: 'pets/v1' }, [bare('list')], 'yaml');
    expect(parse(text)).toEqual({
      openapi: '3.1.0',
      info: { title: 'Pets', version: '' },
      servers: [{ url: '/pets/v1' }],
      paths: { '/list': { get: { operationId: 'list' } } },
    });
    expect(await importOpenApi({ fileName: 'pets.yaml', text })).toMatchObject({
      suggestedPath: 'pets/v1',
      serviceUrl: undefined,
    });
  });

  it('hoists recursive schemas into components/schemas, pointing their references there', async () => {
    const api = await recursive();
    const text = exportOpenApi(apiFields(api), api.operations, 'yaml');
    expect(text).not.toContain('#/$defs/');
    const document = parse(text) as { components: { schemas: Record<string, unknown> }; paths: Record<string, unknown> };
    expect(Object.keys(document.components.schemas)).toEqual(['Node', 'Person', 'Company']);
    expect(document.components.schemas.Node).toMatchObject({
      properties: { parent: { $ref: '#/components/schemas/Node' }, children: { items: { $ref: '#/components/schemas/Node' } } },
    });
    expect(document.paths['/people']).toMatchObject({
      get: {
        responses: { 200: { content: { 'application/json': { schema: { items: { $ref: '#/components/schemas/Person' } } } } } },
      },
    });
  });

  it('renames a recursive schema whose name is taken by a different one, and still re-imports', async () => {
    const tree = (leaf: string): ImportedOperation['responses'] => [
      {
        status: 200,
        representations: [
          {
            contentType: 'application/json',
            schema: {
              $ref: '#/$defs/Node',
              $defs: { Node: { type: 'object', properties: { [leaf]: { type: 'string' }, next: { $ref: '#/$defs/Node' } } } },
            },
          },
        ],
      },
    ];
    const operations = [
      bare('a', { responses: tree('a') }),
      bare('b', { responses: tree('b') }),
      bare('c', { responses: tree('a') }),
    ];
    const text = exportOpenApi({ name: 'Trees', description: '', path: '' }, operations, 'json');
    const document = JSON.parse(text) as { components: { schemas: Record<string, unknown> } };
    expect(document.components.schemas).toEqual({
      Node: { type: 'object', properties: { a: { type: 'string' }, next: { $ref: '#/components/schemas/Node' } } },
      Node2: { type: 'object', properties: { b: { type: 'string' }, next: { $ref: '#/components/schemas/Node2' } } },
    });
    const again = await importOpenApi({ fileName: 'trees.json', text });
    expect(again.operations.map((o) => o.responses[0]?.representations?.[0]?.schema)).toEqual([
      tree('a')[0]?.representations?.[0]?.schema,
      {
        $ref: '#/$defs/Node2',
        $defs: { Node2: { type: 'object', properties: { b: { type: 'string' }, next: { $ref: '#/$defs/Node2' } } } },
      },
      tree('a')[0]?.representations?.[0]?.schema,
    ]);
  });

  it('keeps named examples and parameter examples through a round trip', async () => {
    const operations = [
      bare('search', {
        method: 'POST',
        parameters: [
          { name: 'q', in: 'query', required: false, description: 'terms', schema: { type: 'string', examples: ['cats'] } },
        ],
        request: {
          required: false,
          representations: [{ contentType: 'application/json', examples: { empty: {}, one: { q: 1 } } }],
        },
        responses: [
          { status: 'default', headers: [{ name: 'X-Trace', in: 'header', required: true }] },
          { status: 204, description: 'nothing' },
        ],
        tags: ['search', 'beta'],
      }),
    ];
    for (const format of FORMATS) {
      const text = exportOpenApi(
        { name: 'Search', description: 'Finds things', declaredVersion: '3', path: '' },
        operations,
        format,
      );
      const again = await importOpenApi({ fileName: `search.${format}`, text });
      expect(again.operations).toStrictEqual([
        { ...operations[0], responses: [operations[0]?.responses[1], operations[0]?.responses[0]] },
      ]);
      expect(again).toMatchObject({ name: 'Search', description: 'Finds things', declaredVersion: '3', warnings: [] });
    }
  });

  it('refuses methods OpenAPI 3.1 cannot describe', () => {
    expect(() =>
      exportOpenApi({ name: 'DAV', description: '', path: '' }, [bare('find', { method: 'PROPFIND' })], 'json'),
    ).toThrow(new RangeError("operation 'find': OpenAPI 3.1 cannot describe the method PROPFIND"));
  });
});
