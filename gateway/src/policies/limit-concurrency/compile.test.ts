import { describe, expect, it } from 'vitest';
import type { PolicyBackend, PolicyContext } from '../../pipeline/policy-context.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runExchange, StaticBackend } from '../../pipeline/testing.js';
import { concurrencySlots } from './compile.js';

const limited = {
  backend: [
    { 'limit-concurrency': { key: '@(request.headers["x-tenant"])', 'max-count': 1, statements: [{ 'forward-request': {} }] } },
  ],
};

/** A backend that answers only when told to. */
function heldBackend(): PolicyBackend & { release(): void } {
  const waiting: Array<() => void> = [];
  const answer = new StaticBackend({ status: 200 });
  return {
    send(ctx: PolicyContext, options) {
      return new Promise<void>((resolve) => waiting.push(resolve)).then(() => answer.send(ctx, options));
    },
    release() {
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

describe('limit-concurrency at run time', () => {
  it('refuses with 429 beyond max-count per key, and frees the slot when the call ends', async () => {
    const services = new PolicyServices();
    const backend = heldBackend();
    const first = runExchange(limited, { headers: ['x-tenant', 'a'] }, { services, backend });
    await new Promise((resolve) => setImmediate(resolve));
    const refused = await runExchange(limited, { headers: ['x-tenant', 'a'] }, { services, backend });
    expect(refused.response?.status).toBe(429);
    expect(refused.lastError).toMatchObject({ source: 'limit-concurrency', reason: 'concurrency-limit-exceeded' });
    // Another key has its own slots.
    const other = runExchange(limited, { headers: ['x-tenant', 'b'] }, { services, backend });
    await new Promise((resolve) => setImmediate(resolve));
    backend.release();
    expect((await first).response?.status).toBe(200);
    expect((await other).response?.status).toBe(200);
    expect(services.get(concurrencySlots).held('a')).toBe(0);
    const again = await runExchange(
      limited,
      { headers: ['x-tenant', 'a'] },
      { services, backend: new StaticBackend({ status: 200 }) },
    );
    expect(again.response?.status).toBe(200);
  });

  it('frees the slot when the statements fail', async () => {
    const services = new PolicyServices();
    const failed = await runExchange(
      limited,
      { headers: ['x-tenant', 'a'] },
      {
        services,
        backend: new StaticBackend({ failure: 'upstream-unreachable' }),
      },
    );
    expect(failed.response?.status).toBe(502);
    expect(services.get(concurrencySlots).held('a')).toBe(0);
  });
});
