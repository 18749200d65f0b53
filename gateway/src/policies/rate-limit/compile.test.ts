import { create } from '@bufbuild/protobuf';
import { ApiSchema, OperationSchema } from '@portico/proto';
import { describe, expect, it } from 'vitest';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import { PolicyResponse, type PolicyContextInit } from '../../pipeline/policy-context.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runSection, type PolicyPipeline } from '../../pipeline/run-pipeline.js';
import { pipelineOf, testContext, testDeps, type TestDocument } from '../../pipeline/testing.js';
import { rateLimitExample } from './example.js';
import { RateLimitCounters, rateLimitCounters, WindowTable } from './rate-windows.js';

const limit = (config: Record<string, unknown>): TestDocument => ({ inbound: [{ 'rate-limit': config }] });
const subscription = (id: string): Omit<PolicyContextInit, 'request' | 'requestId'> => ({
  subscription: { id, name: '', state: 'active' },
});

/** A clock the test moves, and the services holding counters that read it. */
function manualClock() {
  const clock = { ms: 1_000_000 };
  const services = new PolicyServices();
  services.set(rateLimitCounters, new RateLimitCounters({ now: () => clock.ms }));
  return { clock, services };
}

async function call(pipeline: PolicyPipeline, context = subscription('sub_1')) {
  const ctx = testContext({}, { context });
  await runSection(pipeline, 'inbound', ctx);
  // As the exchange does before sending: the final response gets the decorations.
  const response = ctx.response ?? new PolicyResponse(200);
  ctx.decorate(response);
  return { ctx, response };
}

describe('rate-limit at run time', () => {
  it('admits calls up to the limit per subscription, then answers 429 with Retry-After until the window ends', async () => {
    const { clock, services } = manualClock();
    const pipeline = compilePolicyPipeline(pipelineOf(limit({ calls: 2, 'renewal-period': 10 })), testDeps({ services }));
    expect((await call(pipeline)).ctx.lastError).toBeUndefined();
    clock.ms += 4_000;
    expect((await call(pipeline)).ctx.lastError).toBeUndefined();
    const refused = await call(pipeline);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.first('retry-after')).toBe('6');
    expect(refused.ctx.lastError).toEqual({
      source: 'rate-limit',
      reason: 'rate-limit-exceeded',
      message: 'Rate limit is exceeded. Try again in 6 seconds.',
      policy: 'inbound[0] rate-limit',
    });
    // Another subscription has its own counter.
    expect((await call(pipeline, subscription('sub_2'))).ctx.lastError).toBeUndefined();
    clock.ms += 6_000;
    expect((await call(pipeline)).ctx.lastError).toBeUndefined();
  });

  it('counts anonymous calls in one counter per statement', async () => {
    const { services } = manualClock();
    const pipeline = compilePolicyPipeline(pipelineOf(limit({ calls: 1, 'renewal-period': 60 })), testDeps({ services }));
    expect((await call(pipeline, {})).response.status).toBe(200);
    expect((await call(pipeline, {})).response.status).toBe(429);
  });

  it('reports remaining and total calls in headers and variables, renamed as configured', async () => {
    const { services } = manualClock();
    const config = {
      calls: 2,
      'renewal-period': 30,
      'retry-after-header-name': 'x-retry-in',
      'retry-after-variable-name': 'retryIn',
      'remaining-calls-header-name': 'x-remaining',
      'remaining-calls-variable-name': 'remaining',
      'total-calls-header-name': 'x-limit',
    };
    const pipeline = compilePolicyPipeline(pipelineOf(limit(config)), testDeps({ services }));
    const first = await call(pipeline);
    expect(first.response.headers.first('x-remaining')).toBe('1');
    expect(first.response.headers.first('x-limit')).toBe('2');
    expect(first.ctx.variables.get('remaining')).toBe(1);
    await call(pipeline);
    const refused = await call(pipeline);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.first('x-retry-in')).toBe('30');
    expect(refused.response.headers.has('retry-after')).toBe(false);
    expect(refused.response.headers.first('x-remaining')).toBe('0');
    expect(refused.response.headers.first('x-limit')).toBe('2');
    expect(refused.ctx.variables.get('retryIn')).toBe(30);
    expect(refused.ctx.variables.get('remaining')).toBe(0);
  });

  it('applies the nested api and operation limits naming the pipeline’s API or operation, counting a refused call nowhere', async () => {
    const { clock, services } = manualClock();
    const deps = (operationId: string, operationName: string) => ({
      ...testDeps({ services }),
      api: create(ApiSchema, { id: 'api_orders', name: 'orders' }),
      operation: create(OperationSchema, { id: operationId, name: operationName }),
    });
    const createOrder = compilePolicyPipeline(pipelineOf(limit(rateLimitExample)), deps('op_create', 'create-order'));
    const list = compilePolicyPipeline(pipelineOf(limit(rateLimitExample)), deps('op_list', 'list-orders'));
    // create-order: 10 per minute; its 11th call is refused by the operation limit.
    for (let i = 0; i < 10; i++) expect((await call(createOrder)).response.status).toBe(200);
    const refused = await call(createOrder);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.first('x-ratelimit-limit')).toBe('10');
    // The API limit (50) counted those 10 calls, shared across the API's operations: 40 left for list.
    const listed = await call(list);
    expect(listed.response.headers.first('x-ratelimit-remaining')).toBe('39');
    expect(listed.response.headers.first('x-ratelimit-limit')).toBe('50');
    for (let i = 0; i < 39; i++) expect((await call(list)).response.status).toBe(200);
    expect((await call(list)).response.status).toBe(429);
    clock.ms += 60_000;
    expect((await call(list)).response.status).toBe(200);
  });

  it('ignores nested limits for other APIs', async () => {
    const { services } = manualClock();
    const pipeline = compilePolicyPipeline(pipelineOf(limit(rateLimitExample)), {
      ...testDeps({ services }),
      api: create(ApiSchema, { id: 'api_users', name: 'users' }),
    });
    const first = await call(pipeline);
    expect(first.response.headers.first('x-ratelimit-limit')).toBe('100');
    expect(first.response.headers.first('x-ratelimit-remaining')).toBe('99');
  });

  it('keeps counting across a recompile of the same statement (a new config revision)', async () => {
    const { services } = manualClock();
    const document = limit({ calls: 2, 'renewal-period': 60 });
    const before = compilePolicyPipeline(pipelineOf(document), testDeps({ services }));
    await call(before);
    const after = compilePolicyPipeline(pipelineOf(document), testDeps({ services }));
    expect((await call(after)).response.status).toBe(200);
    expect((await call(after)).response.status).toBe(429);
    expect((await call(before)).response.status).toBe(429);
  });
});

describe('rate-limit windows', () => {
  it('restarts a window when it ends and keeps the map in window-start order', () => {
    const table = new WindowTable(10);
    const a = table.window('a', 0, 1000);
    a.count = 5;
    expect(table.window('a', 999, 1000).count).toBe(5);
    const restarted = table.window('a', 1000, 1000);
    expect(restarted.count).toBe(0);
    expect(restarted.endsAt).toBe(2000);
  });

  it('drops ended windows as new keys arrive and on a sweep', () => {
    const table = new WindowTable(1000);
    for (let i = 0; i < 100; i++) table.window(`old-${i}`, 0, 1000);
    for (let i = 0; i < 10; i++) table.window(`new-${i}`, 5000, 1000);
    expect(table.size).toBe(90);
    table.sweep(5000);
    expect(table.size).toBe(10);
  });

  it('forgets the oldest window when full, so memory stays bounded and new keys are still served', () => {
    const table = new WindowTable(3);
    for (const key of ['a', 'b', 'c']) table.window(key, 0, 60_000).count = 1;
    const d = table.window('d', 10, 60_000);
    expect(d.count).toBe(0);
    expect(table.size).toBe(3);
    expect(table.evicted).toBe(1);
    // 'a' started first and was forgotten: it starts afresh; 'b' still has its count.
    expect(table.window('b', 20, 60_000).count).toBe(1);
    expect(table.window('a', 20, 60_000).count).toBe(0);
  });

  it('shares a table by id and stops its sweep timer on close', () => {
    const counters = new RateLimitCounters({ sweepIntervalMs: 10 });
    expect(counters.table('s1')).toBe(counters.table('s1'));
    expect(counters.table('s1')).not.toBe(counters.table('s2'));
    counters.close();
  });
});
