import { create } from '@bufbuild/protobuf';
import { OperationSchema } from '@portico/proto';
import { describe, expect, it } from 'vitest';
import { runExchange, StaticBackend } from '../../pipeline/testing.js';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import { pipelineOf, testContext, testDeps } from '../../pipeline/testing.js';
import { runSection } from '../../pipeline/run-pipeline.js';
import { mockedResponse } from './compile.js';

// As control-plane/src/compiler/to-api.ts writes responses_json.
const operation = create(OperationSchema, {
  id: 'op_1',
  responsesJson: JSON.stringify([
    {
      status: 200,
      representations: [
        { contentType: 'application/xml', examples: { first: '<order id="1"/>' } },
        { contentType: 'application/json', examples: { first: { id: 1, state: 'open' }, second: { id: 2 } } },
      ],
    },
    {
      status: 201,
      representations: [
        {
          contentType: 'application/json',
          schema: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              state: { enum: ['open', 'closed'] },
              created: { type: 'string', format: 'date-time' },
              tags: { type: 'array', items: { type: 'string' } },
              owner: { $ref: '#/$defs/user' },
            },
            $defs: { user: { type: 'object', properties: { name: { type: 'string', example: 'Ada' } } } },
          },
        },
      ],
    },
    { status: 'default', representations: [{ contentType: 'text/plain' }] },
  ]),
});

function mocked(config: Record<string, unknown>) {
  return mockedResponse({ 'status-code': 200, ...config }, operation);
}

describe('mock-response at run time', () => {
  it("answers with the first example of the status's content type", () => {
    const json = mocked({ 'content-type': 'application/json' });
    expect(json).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(JSON.parse(json.body!.toString())).toEqual({ id: 1, state: 'open' });
  });

  it('takes the first declared content type when none is configured', () => {
    expect(mocked({})).toMatchObject({ contentType: 'application/xml' });
    expect(mocked({}).body?.toString()).toBe('<order id="1"/>');
  });

  it('generates a sample from the schema when there is no example', () => {
    const sample = mocked({ 'status-code': 201 });
    expect(JSON.parse(sample.body!.toString())).toEqual({
      id: 0,
      state: 'open',
      created: '2024-01-01T00:00:00Z',
      tags: ['string'],
      owner: { name: 'Ada' },
    });
  });

  it('answers the status with an empty body when nothing is declared, as Azure does', () => {
    expect(mocked({ 'status-code': 500 })).toEqual({ status: 500, contentType: 'text/plain', body: undefined });
    expect(mockedResponse({ 'status-code': 404, 'content-type': 'application/json' }, undefined)).toEqual({
      status: 404,
      contentType: 'application/json',
      body: undefined,
    });
  });

  it('stops the pipeline before the backend', async () => {
    const backend = new StaticBackend({ status: 200 });
    const pipeline = compilePolicyPipeline(
      pipelineOf({ inbound: [{ 'mock-response': { 'status-code': 200, 'content-type': 'application/json' } }] }),
      { ...testDeps(), operation },
    );
    const ctx = testContext({}, { backend });
    await runSection(pipeline, 'inbound', ctx);
    expect(ctx.response?.status).toBe(200);
    expect(ctx.response?.headers.first('content-type')).toBe('application/json');
    expect(JSON.parse(ctx.response!.body!.toString())).toEqual({ id: 1, state: 'open' });
    const exchanged = await runExchange({ inbound: [{ 'mock-response': {} }] }, {}, { backend });
    expect(exchanged.response?.status).toBe(200);
    expect(backend.sent).toHaveLength(0);
  });
});
