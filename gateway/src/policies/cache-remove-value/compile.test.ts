import { describe, expect, it } from 'vitest';
import { cachingProcess, lookupRates, storeRates } from '../cache-value-testing.js';

describe('cache-remove-value at run time', () => {
  it('removes a value', async () => {
    const gw = cachingProcess();
    await gw.run({ inbound: [storeRates('x')] });
    await gw.run({ inbound: [{ 'cache-remove-value': { key: 'rates-EUR' } }] });
    expect((await gw.run({ inbound: [lookupRates()] })).variables.has('rates')).toBe(false);
  });

  it('does nothing for a key that is not cached', async () => {
    const gw = cachingProcess();
    const ctx = await gw.run({ inbound: [{ 'cache-remove-value': { key: 'missing' } }] });
    expect(ctx.lastError).toBeUndefined();
  });
});
