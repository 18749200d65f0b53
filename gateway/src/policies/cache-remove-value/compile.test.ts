import { describe, expect, it } from 'vitest';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runInbound, type TestDocument } from '../../pipeline/testing.js';
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

describe('cache-remove-value at run time', () => {
  it('removes a value', async () => {
    const gw = process();
    await gw.run({ inbound: [store('x')] });
    await gw.run({ inbound: [{ 'cache-remove-value': { key: 'rates-EUR' } }] });
    expect((await gw.run({ inbound: [lookup()] })).variables.has('rates')).toBe(false);
  });

  it('does nothing for a key that is not cached', async () => {
    const gw = process();
    const ctx = await gw.run({ inbound: [{ 'cache-remove-value': { key: 'missing' } }] });
    expect(ctx.lastError).toBeUndefined();
  });
});
