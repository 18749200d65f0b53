import { describe, expect, it } from 'vitest';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import { runSection } from '../../pipeline/run-pipeline.js';
import { pipelineOf, runInbound, testContext, testDeps, type TestDocument } from '../../pipeline/testing.js';
import { PolicyCache, policyCacheKey } from '../policy-cache.js';

function process(maxBytes?: number) {
  const clock = { now: 0 };
  const services = new PolicyServices();
  services.set(policyCacheKey, new PolicyCache({ maxBytes, now: () => clock.now }));
  return { clock, services, run: (document: TestDocument, query = '') => runInbound(document, { query }, { services }) };
}

const lookup = (extra: Record<string, unknown> = {}) => ({
  'cache-lookup-value': { key: '@("rates-" + request.query.?base.orValue("EUR"))', 'variable-name': 'rates', ...extra },
});
const store = (value: unknown, duration = 60) => ({
  'cache-store-value': { key: '@("rates-" + request.query.?base.orValue("EUR"))', value, duration },
});

describe('cache-store-value at run time', () => {
  it('keeps integers as integers, so expressions read them back with their type', async () => {
    const gw = process();
    await gw.run({ inbound: [store(41)] });
    const ctx = await gw.run({ inbound: [lookup(), { 'set-variable': { name: 'next', value: '@(variables.rates + 1)' } }] });
    expect(ctx.variables.get('next')).toBe(42n);
  });

  it('stores a copy, detached from the request it came from', async () => {
    const gw = process();
    const ctx = await gw.run({ inbound: [{ 'set-variable': { name: 'v', value: '@(["a"])' } }, store('@(variables.v)')] });
    (ctx.variables.get('v') as string[]).push('changed');
    expect((await gw.run({ inbound: [lookup()] })).variables.get('rates')).toEqual(['a']);
  });

  it('fails the statement for a value JSON cannot hold', async () => {
    const gw = process();
    const ctx = await gw.run({ inbound: [store('@(b"bytes")')] });
    expect(ctx.lastError).toMatchObject({ source: 'cache-store-value', reason: 'value-not-cacheable' });
    expect(ctx.response?.status).toBe(500);
  });

  it('drops a value too large to cache, and the older value with it', async () => {
    const gw = process(4096);
    const warnings: string[] = [];
    await gw.run({ inbound: [store('small')] });
    const deps = testDeps({ services: gw.services });
    const logger = { ...deps.logger, warn: (_fields: Record<string, unknown>, message: string) => warnings.push(message) };
    const pipeline = compilePolicyPipeline(pipelineOf({ inbound: [store(`@("${'x'.repeat(2000)}")`)] }), { ...deps, logger });
    await runSection(pipeline, 'inbound', testContext());
    expect(warnings).toEqual(['cache-store-value: value too large to cache']);
    expect((await gw.run({ inbound: [lookup()] })).variables.has('rates')).toBe(false);
  });
});
