import { describe, expect, it } from 'vitest';
import { policyCacheKey } from '../policy-cache.js';
import { cachingProcess, lookupRates, storeRates } from '../cache-value-testing.js';

describe('cache-lookup-value at run time', () => {
  it('reads back what was stored under the same key, until it expires', async () => {
    const gw = cachingProcess();
    await gw.run({ inbound: [storeRates('@({"USD": 1.08, "GBP": 0.86})')] });
    const hit = await gw.run({ inbound: [lookupRates()] });
    expect(hit.variables.get('rates')).toEqual({ USD: 1.08, GBP: 0.86 });
    expect((await gw.run({ inbound: [lookupRates()] }, 'base=USD')).variables.has('rates')).toBe(false);
    gw.clock.now = 60_000;
    expect((await gw.run({ inbound: [lookupRates()] })).variables.has('rates')).toBe(false);
  });

  it('assigns default-value on a miss, and leaves the variable alone without one', async () => {
    const gw = cachingProcess();
    expect((await gw.run({ inbound: [lookupRates({ 'default-value': 'none' })] })).variables.get('rates')).toBe('none');
    const kept = await gw.run({ inbound: [{ 'set-variable': { name: 'rates', value: 'before' } }, lookupRates()] });
    expect(kept.variables.get('rates')).toBe('before');
  });

  it('shares keys across APIs but not with the response cache', async () => {
    const gw = cachingProcess();
    await gw.run({ inbound: [storeRates('v')] });
    const cache = gw.services.get(policyCacheKey);
    expect(cache.get('rates-EUR')).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});
