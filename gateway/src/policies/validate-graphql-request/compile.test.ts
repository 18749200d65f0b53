import { describe, expect, it } from 'vitest';
import { compileTestPipeline, runInbound } from '../../pipeline/testing.js';

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
