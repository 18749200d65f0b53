import { describe, expect, it } from 'vitest';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import { PolicyResponse, type PolicyRequestInit } from '../../pipeline/policy-context.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runSection, type PolicyPipeline } from '../../pipeline/run-pipeline.js';
import { pipelineOf, testContext, testDeps } from '../../pipeline/testing.js';
import { RateLimitCounters, rateLimitCounters } from '../rate-limit/rate-windows.js';
import { rateLimitByKeyExample } from './example.js';

function compile(config: Record<string, unknown>) {
  const clock = { ms: 0 };
  const services = new PolicyServices();
  services.set(rateLimitCounters, new RateLimitCounters({ now: () => clock.ms }));
  const pipeline = compilePolicyPipeline(pipelineOf({ inbound: [{ 'rate-limit-by-key': config }] }), testDeps({ services }));
  return { clock, pipeline };
}

/** Runs inbound, then decorates the response about to be sent: the backend's `status` unless inbound answered. */
async function call(pipeline: PolicyPipeline, request: Partial<PolicyRequestInit> = {}, status = 200) {
  const ctx = testContext(request);
  await runSection(pipeline, 'inbound', ctx);
  ctx.response ??= new PolicyResponse(status);
  ctx.decorate(ctx.response);
  return ctx;
}

describe('rate-limit-by-key at run time', () => {
  it('counts calls per computed key and refuses over the limit with Retry-After', async () => {
    const { clock, pipeline } = compile({ calls: 2, 'renewal-period': 20, 'counter-key': '@(request.ip)' });
    const a = { ip: '198.51.100.1' };
    expect((await call(pipeline, a)).lastError).toBeUndefined();
    expect((await call(pipeline, a)).lastError).toBeUndefined();
    clock.ms = 5_500;
    const refused = await call(pipeline, a);
    expect(refused.response?.status).toBe(429);
    expect(refused.response?.headers.first('retry-after')).toBe('15');
    expect(refused.lastError).toMatchObject({ source: 'rate-limit-by-key', reason: 'rate-limit-exceeded' });
    expect((await call(pipeline, { ip: '198.51.100.2' })).lastError).toBeUndefined();
    clock.ms = 20_000;
    expect((await call(pipeline, a)).lastError).toBeUndefined();
  });

  it('adds increment-count per call and never lets the count pass the limit', async () => {
    const { pipeline } = compile({ calls: 10, 'renewal-period': 60, 'counter-key': 'all', 'increment-count': 4 });
    expect((await call(pipeline)).lastError).toBeUndefined();
    expect((await call(pipeline)).lastError).toBeUndefined();
    // 8 used: another 4 would make 12.
    expect((await call(pipeline)).response?.status).toBe(429);
  });

  it('evaluates calls and renewal-period per request', async () => {
    const { pipeline } = compile({
      calls: '@(request.headers["x-tier"] == "gold" ? 3 : 1)',
      'renewal-period': '@(30)',
      'counter-key': '@(request.headers["x-tier"])',
      'remaining-calls-header-name': 'x-remaining',
      'total-calls-header-name': 'x-limit',
    });
    const gold = { headers: ['x-tier', 'gold'] };
    const first = await call(pipeline, gold);
    expect(first.response?.headers.first('x-remaining')).toBe('2');
    expect(first.response?.headers.first('x-limit')).toBe('3');
    await call(pipeline, gold);
    await call(pipeline, gold);
    expect((await call(pipeline, gold)).response?.status).toBe(429);
    expect((await call(pipeline, { headers: ['x-tier', 'free'] })).response?.status).toBe(200);
    expect((await call(pipeline, { headers: ['x-tier', 'free'] })).response?.status).toBe(429);
  });

  it('counts only the calls whose response meets increment-condition', async () => {
    const { pipeline } = compile({ ...rateLimitByKeyExample, calls: 2, 'remaining-calls-header-name': 'x-remaining' });
    const ip = { ip: '203.0.113.5' };
    // Failed calls (500) do not use up the limit.
    for (let i = 0; i < 5; i++) expect((await call(pipeline, ip, 500)).response?.status).toBe(500);
    const ok = await call(pipeline, ip, 200);
    expect(ok.response?.headers.first('x-remaining')).toBe('1');
    expect(ok.variables.get('remainingCalls')).toBe(1);
    await call(pipeline, ip, 201);
    expect((await call(pipeline, ip, 200)).response?.status).toBe(429);
  });

  it('refuses a computed limit that is not a positive number', async () => {
    const { pipeline } = compile({ calls: '@(0)', 'renewal-period': 60, 'counter-key': 'k' });
    const ctx = await call(pipeline);
    expect(ctx.response?.status).toBe(500);
    expect(ctx.lastError).toMatchObject({
      reason: 'invalid-limit',
      message: 'calls evaluated to 0, expected a positive integer.',
    });
  });
});
