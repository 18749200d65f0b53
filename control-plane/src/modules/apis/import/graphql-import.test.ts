import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUrlTemplate } from '../../operations/url-template.js';
import { importGraphql } from './graphql-import.js';
import { ImportError, type ImportedApi } from './imported-api.js';

const swapiPath = resolve(import.meta.dirname, '../../../../../../shared/corpus/graphql/swapi/schema.graphql');

function swapi(): Promise<ImportedApi> {
  return importGraphql({ fileName: 'schema.graphql', text: readFileSync(swapiPath, 'utf8') });
}

async function importError(text: string): Promise<ImportError> {
  const error: unknown = await importGraphql({ fileName: 'schema.graphql', text }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportError);
  return error as ImportError;
}

const SWAPI_ROOT_FIELDS = [
  'allFilms',
  'film',
  'allPeople',
  'person',
  'allPlanets',
  'planet',
  'allSpecies',
  'species',
  'allStarships',
  'starship',
  'allVehicles',
  'vehicle',
  'node',
];

describe('GraphQL import: swapi', () => {
  it('imports the endpoint operations and one operation per root field', async () => {
    const api = await swapi();
    expect(api).toMatchObject({ type: 'graphql', sourceFormat: 'graphql-sdl', name: 'schema', suggestedPath: '', warnings: [] });
    expect(api.operations.map((o) => [o.name, o.method, o.urlTemplate])).toEqual([
      ['graphql.post', 'POST', '/graphql'],
      ['graphql.get', 'GET', '/graphql'],
      ...SWAPI_ROOT_FIELDS.map((field) => [`query.${field}`, 'POST', `/graphql/query/${field}`]),
    ]);
  });

  it('records each root field in its binding; the endpoints are plain HTTP', async () => {
    const api = await swapi();
    const fields = api.operations.filter((o) => o.binding?.kind === 'graphql').map((o) => o.binding);
    expect(fields).toEqual(SWAPI_ROOT_FIELDS.map((field) => ({ kind: 'graphql', operationType: 'query', field })));
    expect(api.operations.slice(0, 2).map((o) => o.binding)).toEqual([null, null]);
  });

  it('gives every operation a template the operations table accepts, each route once', async () => {
    const api = await swapi();
    const routes = api.operations.map((o) => {
      expect(parseUrlTemplate(o.urlTemplate)).toMatchObject({ ok: true });
      return `${o.method} ${o.urlTemplate}`;
    });
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('describes a field operation with its return type, root type tag and a runnable example', async () => {
    const node = (await swapi()).operations.find((o) => o.name === 'query.node');
    expect(node?.description).toBe('Fetches an object given its ID\n\nReturns Node.');
    expect(node?.tags).toEqual(['Root']);
    expect(node?.request?.representations[0]?.examples).toEqual({
      node: { value: { query: 'query Node($id: ID!) { node(id: $id) { id } }', operationName: 'Node', variables: {} } },
    });
  });

  it('takes GraphQL-over-HTTP parameters on GET and a JSON body on POST', async () => {
    const [post, get] = (await swapi()).operations;
    expect(post?.request?.representations[0]).toMatchObject({ contentType: 'application/json', schema: { required: ['query'] } });
    expect(get?.request).toBeNull();
    expect(get?.parameters.map((p) => [p.name, p.in, p.required ?? false])).toEqual([
      ['query', 'query', true],
      ['operationName', 'query', false],
      ['variables', 'query', false],
      ['extensions', 'query', false],
    ]);
    expect(post?.responses[0]?.representations?.map((r) => r.contentType)).toEqual([
      'application/graphql-response+json',
      'application/json',
    ]);
  });
});

describe('GraphQL import: operation types', () => {
  it('records mutation and subscription fields, subscriptions streaming as server-sent events', async () => {
    const text = [
      '"""Reviews of films"""',
      'schema { query: Q mutation: M subscription: S }',
      'type Q { review(id: ID!): Review }',
      'type M { createReview(stars: Int!, text: String): Review }',
      'type S { reviewAdded: Review }',
      'type Review { id: ID! stars: Int! text: String }',
    ].join('\n');
    const api = await importGraphql({ fileName: 'reviews.graphqls', text });
    expect(api.name).toBe('reviews');
    expect(api.description).toBe('Reviews of films');
    expect(api.operations.map((o) => o.binding)).toEqual([
      null,
      null,
      { kind: 'graphql', operationType: 'query', field: 'review' },
      { kind: 'graphql', operationType: 'mutation', field: 'createReview' },
      { kind: 'graphql', operationType: 'subscription', field: 'reviewAdded' },
    ]);
    const subscription = api.operations.find((o) => o.name === 'subscription.reviewAdded');
    expect(subscription?.responses[0]?.representations).toEqual([{ contentType: 'text/event-stream' }]);
    const mutation = api.operations.find((o) => o.name === 'mutation.createReview');
    expect(mutation?.request?.representations[0]?.examples).toEqual({
      createReview: {
        value: {
          query:
            'mutation CreateReview($stars: Int!, $text: String) { createReview(stars: $stars, text: $text) { id stars text } }',
          operationName: 'CreateReview',
          variables: {},
        },
      },
    });
  });
});

describe('GraphQL import: refusals', () => {
  it('reports a syntax error at its line', async () => {
    const error = await importError('type Query {\n  a: String\n  b(: Int): String\n}\n');
    expect(error.issues).toEqual([
      { pointer: '', line: 3, file: 'schema.graphql', message: 'Syntax Error: Expected Name, found ":".' },
    ]);
  });

  it('reports an unknown type where it is used', async () => {
    const error = await importError('type Query {\n  a: String\n  film(id: ID, first: Count): Film\n}\n');
    expect(error.issues).toEqual([
      {
        pointer: '/types/Query/fields/film/args/first',
        line: 3,
        file: 'schema.graphql',
        message: 'Unknown type "Count". Did you mean "Int"?',
      },
      { pointer: '/types/Query/fields/film', line: 3, file: 'schema.graphql', message: 'Unknown type "Film".' },
    ]);
  });

  it('reports a schema that does not build: no query type, broken interface', async () => {
    const noQuery = await importError('type Film { title: String }\n');
    expect(noQuery.issues).toEqual([
      { pointer: '/schema', line: undefined, file: 'schema.graphql', message: 'Query root type must be provided.' },
    ]);
    const broken = await importError(
      'interface Node {\n  id: ID!\n}\ntype Query { node: Node }\ntype Film implements Node {\n  title: String\n}\n',
    );
    expect(broken.issues[0]).toMatchObject({
      pointer: '/types/Node/fields/id',
      line: 2,
      message: 'Interface field Node.id expected but Film does not provide it.',
    });
  });
});
