import { create } from '@bufbuild/protobuf';
import { PipelineSchema, StatementSchema } from '@portico/proto';
import { describe, expect, it } from 'vitest';
import { tracePipeline } from './trace-pipeline.js';

const statement = (policy: string, config: unknown, scope: string, id: string, path: string) =>
  create(StatementSchema, { policy, configJson: JSON.stringify(config), originScope: scope, originId: id, originPath: path });

// One statement from each of the five scopes, as the control plane flattens them.
const pipeline = create(PipelineSchema, {
  operationId: 'op_1',
  productId: 'prd_1',
  inbound: [
    statement('set-header', { name: 'x-global', value: ['g'] }, 'global', 'ten_1', 'inbound[0]'),
    statement('set-variable', { name: 'tier', value: '@(request.headers["x-tier"])' }, 'workspace', 'ws_1', 'inbound[0]'),
    statement(
      'choose',
      {
        when: [
          {
            condition: '@(variables["tier"] == "gold")',
            statements: [{ 'set-query-parameter': { name: 'fast', value: ['1'] } }],
          },
        ],
      },
      'product',
      'prd_1',
      'inbound[1]',
    ),
    statement('rewrite-uri', { template: '/v2/orders/{id}' }, 'api', 'api_1', 'inbound[1]'),
  ],
  outbound: [statement('set-header', { name: 'x-secret', value: ['{{token}}'] }, 'operation', 'op_1', 'outbound[0]')],
  onError: [statement('set-status', { code: 503, reason: 'Down' }, 'global', 'ten_1', 'on-error[0]')],
});

describe('tracePipeline', () => {
  it('records every statement with its origin and effect, the backend request and the final response', async () => {
    const result = await tracePipeline({
      pipeline,
      namedValues: new Map([['token', 's3cret-value']]),
      secrets: ['s3cret-value'],
      request: { method: 'get', path: '/orders/7', headers: { 'x-tier': 'gold' }, params: { id: '7' } },
      backendResponse: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":7}' },
    });
    expect(result.steps.map((step) => [step.section, step.path, step.policy, step.origin.scope, step.outcome])).toEqual([
      ['inbound', 'inbound[0]', 'set-header', 'global', 'continue'],
      ['inbound', 'inbound[1]', 'set-variable', 'workspace', 'continue'],
      ['inbound', 'inbound[2]', 'choose', 'product', 'continue'],
      ['inbound', 'inbound[2].choose.when[0].statements[0]', 'set-query-parameter', 'product', 'continue'],
      ['inbound', 'inbound[3]', 'rewrite-uri', 'api', 'continue'],
      ['outbound', 'outbound[0]', 'set-header', 'operation', 'continue'],
    ]);
    expect(result.steps[0]!.effects).toEqual([{ field: 'request.header.x-global', after: 'g' }]);
    expect(result.steps[1]!.effects).toEqual([{ field: 'variables.tier', after: 'gold' }]);
    expect(result.steps[4]!.effects).toEqual([{ field: 'request.path', before: '/orders/7', after: '/v2/orders/7' }]);
    expect(result.steps[5]!.origin).toEqual({ scope: 'operation', id: 'op_1', path: 'outbound[0]' });
    // Secret named values never leave in a trace.
    expect(result.steps[5]!.effects).toEqual([{ field: 'response.header.x-secret', after: '***' }]);
    expect(JSON.stringify(result)).not.toContain('s3cret-value');
    expect(result.backendRequests).toEqual([expect.objectContaining({ method: 'GET', path: '/v2/orders/7', query: 'fast=1' })]);
    expect(result.response).toMatchObject({ status: 200, body: '{"id":7}', headers: { 'x-secret': '***' } });
    expect(result.lastError).toBeNull();
  });

  it('shows a failing statement, the error and what on-error did', async () => {
    const failing = create(PipelineSchema, {
      ...pipeline,
      inbound: [
        statement(
          'check-header',
          { name: 'x-client', 'failed-check-httpcode': 401, 'failed-check-error-message': 'Who?', 'ignore-case': true },
          'api',
          'api_1',
          'inbound[0]',
        ),
        statement('set-header', { name: 'x-never', value: ['1'] }, 'api', 'api_1', 'inbound[1]'),
      ],
    });
    const result = await tracePipeline({
      pipeline: failing,
      namedValues: new Map([['token', 't']]),
      request: { method: 'GET', path: '/orders/7' },
      backendResponse: { status: 200 },
    });
    expect(result.steps.map((step) => [step.section, step.policy, step.outcome])).toEqual([
      ['inbound', 'check-header', 'error'],
      ['on-error', 'set-status', 'continue'],
    ]);
    expect(result.steps[0]!.error).toEqual({ source: 'check-header', reason: 'header-not-found', message: 'Who?' });
    expect(result.lastError).toMatchObject({ source: 'check-header', reason: 'header-not-found' });
    expect(result.response.status).toBe(503);
    expect(result.backendRequests).toEqual([]);
  });
});
