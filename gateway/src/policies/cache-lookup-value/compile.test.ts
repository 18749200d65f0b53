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

describe('cache-lookup-value at run time', () => {
  it('reads back what was stored under the same key, until it expires', async () => {
    const gw = process();
    await gw.run({ inbound: [store('@({"USD": 1.08, "GBP": 0.86})')] });
    const hit = await gw.run({ inbound: [lookup()] });
    expect(hit.variables.get('rates')).toEqual({ USD: 1.08, GBP: 0.86 });
    expect((await gw.run({ inbound: [lookup()] }, 'base=USD')).variables.has('rates')).toBe(false);
    gw.clock.now = 60_000;
    expect((await gw.run({ inbound: [lookup()] })).variables.has('rates')).toBe(false);
  });

  it('assigns default-value on a miss, and leaves the variable alone without one', async () => {
    const gw = process();
    expect((await gw.run({ inbound: [lookup({ 'default-value': 'none' })] })).variables.get('rates')).toBe('none');
    const kept = await gw.run({ inbound: [{ 'set-variable': { name: 'rates', value: 'before' } }, lookup()] });
    expect(kept.variables.get('rates')).toBe('before');
  });

  it('shares keys across APIs but not with the response cache', async () => {
    const gw = process();
    await gw.run({ inbound: [store('v')] });
    const cache = gw.services.get(policyCacheKey);
    expect(cache.get('rates-EUR')).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});
