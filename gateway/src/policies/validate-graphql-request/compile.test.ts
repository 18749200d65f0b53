import { create } from '@bufbuild/protobuf';
import { ApiSchema } from '@portico/proto';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_LENGTH } from './graphql-payload.js';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import type { PolicyRequestInit } from '../../pipeline/policy-context.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runSection } from '../../pipeline/run-pipeline.js';
import { compileTestPipeline, pipelineOf, runInbound, testContext, testDeps, type TestDocument } from '../../pipeline/testing.js';
import { graphqlSchemas, GraphqlSchemas } from './graphql-schemas.js';

const json = (body: unknown, headers: string[] = []) => ({
  method: 'POST',
  path: '/graphql',
  headers: ['content-type', 'application/json', ...headers],
  body: Buffer.from(JSON.stringify(body)),
});

const validate = (config: Record<string, unknown> = {}) => ({
  inbound: [
    { 'validate-graphql-request': { 'max-size': 10_000, 'max-depth': 3, 'error-variable-name': 'gqlErrors', ...config } },
  ],
  'on-error': [{ 'set-header': { name: 'x-reason', value: ['@(context.lastError.reason)'] } }],
});

const errorsOf = (body: Buffer | undefined) =>
  (JSON.parse(body!.toString()) as { errors: { message: string; extensions: { code: string } }[] }).errors;

describe('validate-graphql-request at run time', () => {
  it('passes a valid query untouched', async () => {
    const request = json({ query: 'query Q($id: ID!) { order(id: $id) { id lines { sku } } }', variables: { id: '1' } });
    const ctx = await runInbound(validate(), request);
    expect(ctx.response).toBeUndefined();
    expect(ctx.request.body).toBe(request.body);
  });

  it('answers a syntax error with 400 in the GraphQL error format, through on-error', async () => {
    const ctx = await runInbound(validate(), json({ query: '{ order { id }' }));
    expect(ctx.response?.status).toBe(400);
    expect(ctx.response?.headers.get('x-reason')).toEqual(['graphql-parse-failed']);
    const body = JSON.parse(ctx.response!.body!.toString()) as Record<string, unknown>;
    expect(body).toEqual({
      errors: [
        {
          message: 'Syntax Error: Expected Name, found <EOF>.',
          locations: [{ line: 1, column: 15 }],
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        },
      ],
      requestId: 'req-test',
    });
    expect(ctx.variables.get('GraphQLErrors')).toEqual(body.errors);
    expect(ctx.variables.get('gqlErrors')).toEqual(body.errors);
  });

  it('applies the spec rules that need no schema', async () => {
    const ctx = await runInbound(validate(), json({ query: 'query($unused: ID) { a } fragment F on T { b }' }));
    expect(errorsOf(ctx.response?.body).map((error) => error.message)).toEqual([
      'Variable "$unused" is never used.',
      'Fragment "F" is never used.',
    ]);
  });

  it('refuses queries deeper than max-depth, fragments included', async () => {
    const ok = await runInbound(validate(), json({ query: '{ a { b { c } } }' }));
    expect(ok.response).toBeUndefined();
    const deep = await runInbound(validate(), json({ query: '{ a { ...F } } fragment F on T { b { c { d } } }' }));
    expect(errorsOf(deep.response?.body)).toEqual([
      { message: 'The query is deeper than the 3 levels allowed.', extensions: { code: 'QUERY_TOO_DEEP' } },
    ]);
    const braces = await runInbound(validate(), json({ query: '{'.repeat(5000) }));
    expect(errorsOf(braces.response?.body)[0]?.extensions.code).toBe('QUERY_TOO_DEEP');
  });

  it('refuses a request over max-size and one without a query', async () => {
    const big = await runInbound(validate({ 'max-size': 20 }), json({ query: '{ aVeryLongFieldName }' }));
    expect(big.response?.headers.get('x-reason')).toEqual(['graphql-request-too-large']);
    const none = await runInbound(validate(), json({ extensions: { persistedQuery: {} } }));
    expect(errorsOf(none.response?.body)[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it('reads GET queries from the URL and application/graphql bodies', async () => {
    const get = await runInbound(validate(), { method: 'GET', path: '/graphql', query: `query=${encodeURIComponent('{ a {')}` });
    expect(get.response?.status).toBe(400);
    const raw = await runInbound(validate(), {
      method: 'POST',
      headers: ['content-type', 'application/graphql'],
      body: Buffer.from('{ a { b { c { d } } } }'),
    });
    expect(errorsOf(raw.response?.body)[0]?.extensions.code).toBe('QUERY_TOO_DEEP');
  });

  it('rejects introspection with /__* but lets __typename through', async () => {
    const rules = validate({ authorize: [{ path: '/__*', action: 'reject' }] });
    const introspection = await runInbound(rules, json({ query: '{ __schema { types { name } } }' }));
    expect(errorsOf(introspection.response?.body)).toEqual([
      expect.objectContaining({
        message: "Access to the field '__schema' is not allowed (rule /__*).",
        extensions: { code: 'FIELD_NOT_AUTHORIZED' },
      }),
    ]);
    const typename = await runInbound(rules, json({ query: '{ a { __typename } }' }));
    expect(typename.response).toBeUndefined();
  });

  it('removes fields, their emptied parents, unused fragments and variables, before the backend sees them', async () => {
    const ctx = await runInbound(
      validate({ 'max-depth': 6, authorize: [{ path: '/*/secret', action: 'remove' }] }),
      json({
        query: 'query Q($k: ID) { me { name secret } vault { secret(key: $k) } ...V } fragment V on Query { other { secret } }',
        variables: { k: '1' },
        operationName: 'Q',
      }),
    );
    expect(ctx.response).toBeUndefined();
    const sent = JSON.parse(ctx.request.body!.toString()) as { query: string; variables: unknown; operationName: string };
    expect(sent.query).toBe('query Q {\n  me {\n    name\n  }\n}');
    expect(sent).toMatchObject({ variables: { k: '1' }, operationName: 'Q' });
    expect((ctx.variables.get('GraphQLErrors') as unknown[]).length).toBe(3);
  });

  it('evaluates rule actions per request, the most specific rule first, failing closed on unknown actions', async () => {
    const rules = validate({
      authorize: [
        { path: '/Mutation/*', action: 'reject' },
        { path: '/Mutation/deleteUser', action: '@(request.headers["x-role"] == "admin" ? "allow" : "ignore")' },
        { path: '/Query/users', action: '@(request.headers["x-role"])' },
      ],
    });
    const admin = await runInbound(rules, json({ query: 'mutation { deleteUser(id: 1) }' }, ['x-role', 'admin']));
    expect(admin.response).toBeUndefined();
    const guest = await runInbound(rules, json({ query: 'mutation { deleteUser(id: 1) }' }, ['x-role', 'guest']));
    expect(guest.response?.status).toBe(400);
    const typo = await runInbound(rules, json({ query: '{ users { id } }' }, ['x-role', 'deny']));
    expect(typo.response?.headers.get('x-reason')).toEqual(['graphql-field-rejected']);
  });

  it('refuses at compile time rules on types it cannot see without the API schema', () => {
    expect(() => compileTestPipeline(validate({ authorize: [{ path: '/Missions/name', action: 'remove' }] }))).toThrow(
      'only root types (Query, Mutation, Subscription), * and /__* can be authorized',
    );
  });
});

const STAR_WARS = `
  interface Character { id: ID! name: String! friends: [Character!]! }
  type Human implements Character { id: ID! name: String! friends: [Character!]! homePlanet: String ssn: String }
  type Droid implements Character { id: ID! name: String! friends: [Character!]! primaryFunction: String }
  union SearchResult = Human | Droid
  enum Episode { NEWHOPE EMPIRE JEDI }
  input ReviewInput { stars: Int! commentary: String }
  type Review { stars: Int! commentary: String }
  type Query { hero(episode: Episode): Character human(id: ID!): Human search(text: String!): [SearchResult!]! me: Human }
  type Mutation { createReview(episode: Episode!, review: ReviewInput!): Review deleteHuman(id: ID!): Boolean }
`;

/** Compiles `document` as a pipeline of an API whose view carries `sdl`. */
const compileWithSchema = (document: TestDocument, sdl = STAR_WARS, services = new PolicyServices()) =>
  compilePolicyPipeline(pipelineOf(document), {
    ...testDeps({ services }),
    api: create(ApiSchema, { id: 'api_starwars', name: 'star-wars', graphqlSchema: sdl }),
  });

async function runWithSchema(document: TestDocument, request: Partial<PolicyRequestInit>) {
  const ctx = testContext(request);
  await runSection(compileWithSchema(document), 'inbound', ctx);
  return ctx;
}

const sentQuery = (body: Buffer | undefined) => (JSON.parse(body!.toString()) as { query: string }).query;

describe('validate-graphql-request with the API schema', () => {
  it('passes a query valid against the schema untouched', async () => {
    const request = json({
      query: 'query Hero($e: Episode) { hero(episode: $e) { name ... on Droid { primaryFunction } } }',
      variables: { e: 'JEDI' },
    });
    const ctx = await runWithSchema(validate(), request);
    expect(ctx.response).toBeUndefined();
    expect(ctx.request.body).toBe(request.body);
  });

  it('answers unknown fields, wrong argument types and missing arguments with 400, without suggestions', async () => {
    const ctx = await runWithSchema(
      validate(),
      json({ query: '{ hero { nmae } human(id: true) { name } again: human { name } }' }),
    );
    expect(ctx.response?.status).toBe(400);
    expect(ctx.response?.headers.get('x-reason')).toEqual(['graphql-validation-failed']);
    const body = JSON.parse(ctx.response!.body!.toString()) as { errors: unknown[] };
    expect(body.errors).toEqual([
      {
        message: 'Cannot query field "nmae" on type "Character".',
        locations: [{ line: 1, column: 10 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
      {
        message: 'ID cannot represent a non-string and non-integer value: true',
        locations: [{ line: 1, column: 27 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
      {
        message: 'Field "human" argument "id" of type "ID!" is required, but it was not provided.',
        locations: [{ line: 1, column: 42 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
    expect(ctx.variables.get('GraphQLErrors')).toEqual(body.errors);
    expect(ctx.variables.get('gqlErrors')).toEqual(body.errors);
  });

  it('checks every member of a batch, and spec rules that need the schema (leaf selections, fragment types)', async () => {
    const batch = await runWithSchema(validate(), json([{ query: '{ me { name } }' }, { query: '{ me }' }]));
    expect(errorsOf(batch.response?.body)).toEqual([
      expect.objectContaining({
        message: 'Field "me" of type "Human" must have a selection of subfields. Did you mean "me { ... }"?',
      }),
    ]);
    const fragment = await runWithSchema(validate(), json({ query: '{ me { ... on Droid { name } } }' }));
    expect(errorsOf(fragment.response?.body)[0]?.message).toBe(
      'Fragment cannot be spread here as objects of type "Human" can never be of type "Droid".',
    );
  });

  it(`refuses a batch of more than ${MAX_BATCH_LENGTH} documents before validating any`, async () => {
    const many = Array.from({ length: MAX_BATCH_LENGTH + 1 }, () => ({ query: '{ me { name } }' }));
    const refused = await runWithSchema(validate(), json(many));
    expect(refused.response?.status).toBe(400);
    expect(errorsOf(refused.response?.body)[0]?.message).toContain(`at most ${MAX_BATCH_LENGTH} are accepted`);
    const fits = await runWithSchema(validate(), json(many.slice(1)));
    expect(fits.response?.status ?? 200).toBe(200);
  });

  it('checks the variables sent against the operation: required, typed, and the operation named', async () => {
    const query = 'query Human($id: ID!, $e: Episode) { human(id: $id) { name } hero(episode: $e) { id } }';
    const missing = await runWithSchema(validate(), json({ query, variables: { e: 'JEDI' } }));
    expect(missing.response?.status).toBe(400);
    expect(missing.response?.headers.get('x-reason')).toEqual(['graphql-variables-invalid']);
    expect(errorsOf(missing.response?.body)).toEqual([
      {
        message: 'Variable "$id" of required type "ID!" was not provided.',
        locations: [{ line: 1, column: 13 }],
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    const wrongEnum = await runWithSchema(validate(), json({ query, variables: { id: '1', e: 'PHANTOM' } }));
    expect(errorsOf(wrongEnum.response?.body)[0]?.message).toBe(
      'Variable "$e" got invalid value "PHANTOM"; Value "PHANTOM" does not exist in "Episode" enum.',
    );
    const get = await runWithSchema(validate(), {
      method: 'GET',
      path: '/graphql',
      query: `query=${encodeURIComponent(query)}&variables=${encodeURIComponent('{"id":"1"}')}`,
    });
    expect(get.response).toBeUndefined();
    const unknownOperation = await runWithSchema(validate(), json({ query, operationName: 'Droid', variables: { id: '1' } }));
    expect(errorsOf(unknownOperation.response?.body)[0]?.message).toBe('Unknown operation named "Droid".');
  });

  it('matches rules on nested types by the real parent type, through fragments and inline fragments', async () => {
    const ctx = await runWithSchema(
      validate({ 'max-depth': 6, authorize: [{ path: '/Human/ssn', action: 'remove' }] }),
      json({
        query:
          '{ me { name ssn } human(id: 1) { ...H } hero { ... on Human { ssn homePlanet } } } fragment H on Human { ssn id }',
      }),
    );
    expect(ctx.response).toBeUndefined();
    expect(sentQuery(ctx.request.body)).toBe(
      '{\n  me {\n    name\n  }\n  human(id: 1) {\n    ...H\n  }\n  hero {\n    ... on Human {\n      homePlanet\n    }\n  }\n}\n\nfragment H on Human {\n  id\n}',
    );
    expect((ctx.variables.get('GraphQLErrors') as { message: string }[]).map((error) => error.message)).toEqual([
      "The field 'ssn' was removed: access to it is not allowed.",
      "The field 'ssn' was removed: access to it is not allowed.",
      "The field 'ssn' was removed: access to it is not allowed.",
    ]);
    // A field of the same name on another type is not the rule's.
    const droid = await runWithSchema(
      validate({ authorize: [{ path: '/Droid/name', action: 'reject' }] }),
      json({ query: '{ me { name } }' }),
    );
    expect(droid.response).toBeUndefined();
  });

  it('applies the rules of the object types an interface or union field may resolve on, the strictest winning', async () => {
    const rules = validate({
      authorize: [
        { path: '/Human/name', action: 'allow' },
        { path: '/Droid/name', action: 'reject' },
      ],
    });
    const throughInterface = await runWithSchema(rules, json({ query: '{ hero { id name } }' }));
    expect(errorsOf(throughInterface.response?.body)).toEqual([
      {
        message: "Access to the field 'name' is not allowed (rule /Droid/name).",
        locations: [{ line: 1, column: 13 }],
        extensions: { code: 'FIELD_NOT_AUTHORIZED' },
      },
    ]);
    const onHuman = await runWithSchema(
      rules,
      json({ query: '{ hero { ... on Human { name } } search(text: "r2") { ... on Human { name } } }' }),
    );
    expect(onHuman.response).toBeUndefined();
    const typename = await runWithSchema(
      validate({ authorize: [{ path: '/Droid/*', action: 'remove' }] }),
      json({ query: '{ search(text: "r2") { __typename ... on Human { id } } }' }),
    );
    expect(sentQuery(typename.request.body)).toBe('{\n  search(text: "r2") {\n    ... on Human {\n      id\n    }\n  }\n}');
  });

  it('takes /field and /* as root fields of whatever the root types are named', async () => {
    const sdl =
      'schema { query: Root mutation: Change } type Root { films: [String] } type Change { deleteFilm(id: ID!): Boolean }';
    const pipeline = compileWithSchema(validate({ authorize: [{ path: '/deleteFilm', action: 'reject' }] }), sdl);
    const ctx = testContext(json({ query: 'mutation { deleteFilm(id: 1) }' }));
    await runSection(pipeline, 'inbound', ctx);
    expect(ctx.response?.headers.get('x-reason')).toEqual(['graphql-field-rejected']);
    expect(() => compileWithSchema(validate({ authorize: [{ path: '/Query/films', action: 'reject' }] }), sdl)).toThrow(
      "inbound[0] validate-graphql-request: authorize[0].path /Query/films: the API's GraphQL schema has no type Query (its query type is Root)",
    );
  });

  it('refuses at compile time rules naming what the schema does not have, or types Azure does not authorize', () => {
    const refused = (path: string) => () => compileWithSchema(validate({ authorize: [{ path, action: 'reject' }] }));
    const prefix = (path: string) => `inbound[0] validate-graphql-request: authorize[0].path ${path}: `;
    expect(refused('/Missions/name')).toThrow(`${prefix('/Missions/name')}the API's GraphQL schema has no type Missions`);
    expect(refused('/Human/nmae')).toThrow(`${prefix('/Human/nmae')}type Human has no field nmae`);
    expect(refused('/Character/name')).toThrow(`${prefix('/Character/name')}Character is an interface`);
    expect(refused('/SearchResult/*')).toThrow(`${prefix('/SearchResult/*')}SearchResult is a union`);
    expect(refused('/ReviewInput/stars')).toThrow(`${prefix('/ReviewInput/stars')}ReviewInput is an input type`);
    expect(refused('/Episode/*')).toThrow(`${prefix('/Episode/*')}Episode is a leaf type`);
    expect(refused('/Human/__*')).toThrow('introspection fields (__schema, __type) are fields of the query type only');
    expect(refused('/lukeSkywalker')).toThrow(
      "no root type of the API's GraphQL schema (Query, Mutation) has a field lukeSkywalker",
    );
    expect(refused('/*/midichlorians')).toThrow("no type of the API's GraphQL schema has a field midichlorians");
    expect(() =>
      compileWithSchema(
        validate({
          authorize: [
            { path: '/Mutation/deleteHuman' },
            { path: '/Droid/*' },
            { path: '/*/ssn' },
            { path: '/search' },
            { path: '/Query/__*' },
            { path: '/__Type/fields' },
          ],
        }),
      ),
    ).not.toThrow();
  });

  it('refuses at compile time an SDL that does not build, naming the statement and the first error', () => {
    expect(() => compileWithSchema(validate(), 'type Query { hero: Charactr }')).toThrow(
      'inbound[0] validate-graphql-request: the API\'s GraphQL schema does not build: line 1: Unknown type "Charactr".',
    );
    expect(() => compileWithSchema(validate(), 'type Query { hero: }')).toThrow(
      'the API\'s GraphQL schema does not build: line 1: Syntax Error: Expected Name, found "}".',
    );
    expect(() => compileWithSchema(validate(), 'type Film { title: String }')).toThrow(
      "the API's GraphQL schema does not build: Query root type must be provided.",
    );
  });

  it('builds a schema once for all the operations and revisions that share its SDL, keeping a bounded number', () => {
    const services = new PolicyServices();
    compileWithSchema(validate(), STAR_WARS, services);
    compileWithSchema(validate({ authorize: [{ path: '/Human/ssn', action: 'remove' }] }), STAR_WARS, services);
    const schemas = services.get(graphqlSchemas);
    expect(schemas.size).toBe(1);
    expect(schemas.get(STAR_WARS)).toBe(schemas.get(STAR_WARS));

    const bounded = new GraphqlSchemas();
    for (let i = 0; i < 70; i++) bounded.get(`type Query { field${i}: Int }`);
    expect(bounded.size).toBe(64);
  });
});
