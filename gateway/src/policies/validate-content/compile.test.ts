import { create } from '@bufbuild/protobuf';
import { gzipSync } from 'node:zlib';
import { OperationSchema } from '@portico/proto';
import { describe, expect, it } from 'vitest';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runSection } from '../../pipeline/run-pipeline.js';
import { pipelineOf, testContext, testDeps, type TestDocument } from '../../pipeline/testing.js';
import { PolicyResponse } from '../../pipeline/policy-context.js';
import { FieldMap } from '../../pipeline/field-map.js';
import { schemaValidators } from './schema-validators.js';

const order = {
  type: 'object',
  required: ['id', 'lines'],
  properties: {
    id: { type: 'integer', format: 'int32' },
    lines: { type: 'array', items: { $ref: '#/$defs/Line' } },
    note: { type: 'string' },
  },
  $defs: { Line: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } }, additionalProperties: false } },
};

// As control-plane/src/compiler/to-api.ts writes them from an OpenAPI import.
const operation = create(OperationSchema, {
  id: 'op_orders',
  method: 'POST',
  urlTemplate: '/orders',
  requestJson: JSON.stringify({ required: true, representations: [{ contentType: 'application/json', schema: order }] }),
  responsesJson: JSON.stringify([
    { status: 201, representations: [{ contentType: 'application/json', schema: order }] },
    { status: 'default', representations: [{ contentType: 'application/problem+json' }] },
  ]),
});

const validate = (config: Record<string, unknown>) => ({
  'unspecified-content-type-action': 'prevent',
  'max-size': 1024,
  'size-exceeded-action': 'prevent',
  'errors-variable-name': 'bodyErrors',
  content: [{ type: 'application/json', 'validate-as': 'json', action: 'prevent' }],
  ...config,
});

async function run(
  document: TestDocument,
  request: { body?: string | Buffer; headers?: string[] },
  backend?: { status: number; headers?: string[]; body?: string },
  services = new PolicyServices(),
) {
  const pipeline = compilePolicyPipeline(pipelineOf(document), { ...testDeps({ services }), operation });
  const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
  const ctx = testContext({
    method: 'POST',
    path: '/orders',
    headers: request.headers ?? ['content-type', 'application/json'],
    body,
  });
  if ((await runSection(pipeline, 'inbound', ctx)) === 1 || backend === undefined) return ctx;
  ctx.response = new PolicyResponse(
    backend.status,
    '',
    FieldMap.fromFlat(backend.headers ?? [], true),
    backend.body === undefined ? undefined : Buffer.from(backend.body),
  );
  await runSection(pipeline, 'outbound', ctx);
  return ctx;
}

describe('validate-content at run time', () => {
  it('lets a body matching the operation schema through', async () => {
    const ctx = await run({ inbound: [{ 'validate-content': validate({}) }] }, { body: '{"id":1,"lines":[{"sku":"a"}]}' });
    expect(ctx.response).toBeUndefined();
    expect(ctx.variables.has('bodyErrors')).toBe(false);
  });

  it('prevents a body that does not match with 400 naming the failing location', async () => {
    const ctx = await run({ inbound: [{ 'validate-content': validate({}) }] }, { body: '{"id":1,"lines":[{"sku":7}]}' });
    expect(ctx.response?.status).toBe(400);
    expect(ctx.lastError).toMatchObject({ source: 'validate-content', reason: 'body-does-not-match-schema' });
    expect(ctx.lastError?.message).toBe(
      'The request body does not match the API schema for application/json: at /lines/0/sku: must be string',
    );
    expect(ctx.variables.get('bodyErrors')).toEqual([
      {
        name: 'application/json',
        type: 'RequestBody',
        validationRule: 'IncorrectMessage',
        details: ctx.lastError?.message,
        action: 'prevent',
      },
    ]);
  });

  it('detect records the error and lets the request go on', async () => {
    const ctx = await run(
      { inbound: [{ 'validate-content': validate({ content: [{ 'validate-as': 'json', action: 'detect' }] }) }] },
      { body: '{"lines":[]}' },
    );
    expect(ctx.response).toBeUndefined();
    expect(ctx.variables.get('bodyErrors')).toMatchObject([
      {
        validationRule: 'IncorrectMessage',
        action: 'detect',
        details: expect.stringContaining("must have required property 'id'") as string,
      },
    ]);
  });

  it('checks the size first, from the body, and refuses content types the definition does not list', async () => {
    const big = await run({ inbound: [{ 'validate-content': validate({ 'max-size': 10 }) }] }, { body: '{"id":1,"lines":[]}' });
    expect(big.lastError).toMatchObject({
      reason: 'body-too-large',
      message: 'The request body is 19 bytes, larger than the 10 allowed.',
    });
    const text = await run(
      { inbound: [{ 'validate-content': validate({}) }] },
      { body: 'hi', headers: ['content-type', 'text/plain'] },
    );
    expect(text.lastError).toMatchObject({ reason: 'unspecified-content-type' });
    expect(text.response?.status).toBe(400);
  });

  it('maps content types before checking them', async () => {
    const ctx = await run(
      {
        inbound: [
          {
            'validate-content': validate({
              'content-type-map': {
                'missing-content-type-value': 'application/json',
                type: [{ from: 'application/hal+json', to: 'application/json' }],
              },
            }),
          },
        ],
      },
      { body: '{"id":"x","lines":[]}', headers: ['content-type', 'application/hal+json; charset=utf-8'] },
    );
    expect(ctx.lastError?.message).toContain('at /id: must be integer');
    const missing = await run(
      {
        inbound: [{ 'validate-content': validate({ 'content-type-map': { 'missing-content-type-value': 'application/json' } }) }],
      },
      { body: '[]', headers: [] },
    );
    expect(missing.lastError?.message).toContain('at /: must be object');
  });

  it('overrides additionalProperties and compares names case-insensitively on request', async () => {
    const strict = validate({ content: [{ 'validate-as': 'json', action: 'prevent', 'allow-additional-properties': false }] });
    const extra = await run({ inbound: [{ 'validate-content': strict }] }, { body: '{"id":1,"lines":[],"extra":true}' });
    expect(extra.lastError?.message).toContain("at /: property 'extra' is not allowed");
    const lenient = validate({ content: [{ 'validate-as': 'json', action: 'prevent', 'allow-additional-properties': true }] });
    const allowed = await run({ inbound: [{ 'validate-content': lenient }] }, { body: '{"id":1,"lines":[{"sku":"a","qty":2}]}' });
    expect(allowed.response).toBeUndefined();
    const anyCase = validate({
      content: [{ 'validate-as': 'json', action: 'prevent', 'case-insensitive-property-names': true }],
    });
    const shouting = await run({ inbound: [{ 'validate-content': anyCase }] }, { body: '{"ID":1,"Lines":[{"SKU":"a"}]}' });
    expect(shouting.response).toBeUndefined();
  });

  it('validates the response by status in outbound, with 502, and decompresses it', async () => {
    const document = { outbound: [{ 'validate-content': validate({}) }] };
    const ok = await run(
      document,
      {},
      { status: 201, headers: ['content-type', 'application/json'], body: '{"id":1,"lines":[]}' },
    );
    expect(ok.response?.status).toBe(201);
    const bad = await run(document, {}, { status: 201, headers: ['content-type', 'application/json'], body: '{"id":1}' });
    expect(bad.response?.status).toBe(502);
    expect(bad.lastError?.message).toBe(
      "The response body does not match the API schema for application/json: at /: must have required property 'lines'",
    );
    // 404 falls back to `default`, which lists application/problem+json only.
    const notFound = await run(document, {}, { status: 404, headers: ['content-type', 'application/json'], body: '{}' });
    expect(notFound.lastError?.reason).toBe('unspecified-content-type');

    const pipeline = compilePolicyPipeline(pipelineOf(document), { ...testDeps(), operation });
    const ctx = testContext({ method: 'POST', path: '/orders' });
    const zipped = gzipSync(Buffer.from('{"id":"1","lines":[]}'));
    ctx.response = new PolicyResponse(
      201,
      '',
      FieldMap.fromFlat(['content-type', 'application/json', 'content-encoding', 'gzip'], true),
      zipped,
    );
    await runSection(pipeline, 'outbound', ctx);
    expect(ctx.lastError?.message).toContain('at /id: must be integer');
  });

  it('refuses invalid JSON and hostile nesting as a mismatch, not a crash', async () => {
    const invalid = await run({ inbound: [{ 'validate-content': validate({}) }] }, { body: '{"id":' });
    expect(invalid.lastError).toMatchObject({ reason: 'body-does-not-match-schema' });
    expect(invalid.lastError?.message).toContain('is not valid JSON');
    const deep = await run(
      { inbound: [{ 'validate-content': validate({ 'max-size': 4096 }) }] },
      { body: '['.repeat(1000) + ']'.repeat(1000) },
    );
    expect(deep.lastError?.message).toBe('The request body nests deeper than 128 levels.');
  });

  it('compiles identical schemas once for every operation and revision', async () => {
    const services = new PolicyServices();
    const document = { inbound: [{ 'validate-content': validate({}) }], outbound: [{ 'validate-content': validate({}) }] };
    await run(document, { body: '{"id":1,"lines":[]}' }, undefined, services);
    await run(document, { body: '{"id":1,"lines":[]}' }, undefined, services);
    // The request and the 201 response share one schema; `default` has none.
    expect(services.get(schemaValidators).size).toBe(1);
  });
});
