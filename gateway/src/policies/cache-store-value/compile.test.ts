import { describe, expect, it } from 'vitest';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import { runSection } from '../../pipeline/run-pipeline.js';
import { pipelineOf, testContext, testDeps } from '../../pipeline/testing.js';
import { cachingProcess, lookupRates, storeRates } from '../cache-value-testing.js';

describe('cache-store-value at run time', () => {
  it('keeps integers as integers, so expressions read them back with their type', async () => {
    const gw = cachingProcess();
    await gw.run({ inbound: [storeRates(41)] });
    const ctx = await gw.run({ inbound: [lookupRates(), { 'set-variable': { name: 'next', value: '@(variables.rates + 1)' } }] });
    expect(ctx.variables.get('next')).toBe(42n);
  });

  it('stores a copy, detached from the request it came from', async () => {
    const gw = cachingProcess();
    const ctx = await gw.run({ inbound: [{ 'set-variable': { name: 'v', value: '@(["a"])' } }, storeRates('@(variables.v)')] });
    (ctx.variables.get('v') as string[]).push('changed');
    expect((await gw.run({ inbound: [lookupRates()] })).variables.get('rates')).toEqual(['a']);
  });

  it('fails the statement for a value JSON cannot hold', async () => {
    const gw = cachingProcess();
    const ctx = await gw.run({ inbound: [storeRates('@(b"bytes")')] });
    expect(ctx.lastError).toMatchObject({ source: 'cache-store-value', reason: 'value-not-cacheable' });
    expect(ctx.response?.status).toBe(500);
  });

  it('drops a value too large to cache, and the older value with it', async () => {
    const gw = cachingProcess(4096);
    const warnings: string[] = [];
    await gw.run({ inbound: [storeRates('small')] });
    const deps = testDeps({ services: gw.services });
    const logger = { ...deps.logger, warn: (_fields: Record<string, unknown>, message: string) => warnings.push(message) };
    const pipeline = compilePolicyPipeline(pipelineOf({ inbound: [storeRates(`@("${'x'.repeat(2000)}")`)] }), {
      ...deps,
      logger,
    });
    await runSection(pipeline, 'inbound', testContext());
    expect(warnings).toEqual(['cache-store-value: value too large to cache']);
    expect((await gw.run({ inbound: [lookupRates()] })).variables.has('rates')).toBe(false);
  });
});
