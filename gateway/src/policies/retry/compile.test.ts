import { describe, expect, it } from 'vitest';
import { compileTestPipeline, runExchange, StaticBackend } from '../../pipeline/testing.js';
import { retryWaitMs } from './compile.js';

const forward = [{ 'forward-request': { 'buffer-request-body': true } }];

describe('retry at run time', () => {
  it('re-runs its statements while the condition holds, evaluated on each answer', async () => {
    const backend = new StaticBackend((_ctx, call) => ({ status: call < 2 ? 503 : 200, body: `attempt ${call}` }));
    const ctx = await runExchange(
      { backend: [{ retry: { condition: '@(response.status >= 500)', count: 5, interval: 0, statements: forward } }] },
      {},
      { backend },
    );
    expect(backend.sent).toHaveLength(3);
    expect(ctx.response?.status).toBe(200);
    expect(ctx.response?.body?.toString()).toBe('attempt 2');
  });

  it('stops after count retries and keeps the last answer', async () => {
    const backend = new StaticBackend({ status: 500 });
    const ctx = await runExchange(
      { backend: [{ retry: { condition: '@(response.status == 500)', count: 2, interval: 0, statements: forward } }] },
      {},
      { backend },
    );
    expect(backend.sent).toHaveLength(3);
    expect(ctx.response?.status).toBe(500);
    expect(ctx.lastError).toBeUndefined();
  });

  it('retries a failed call when the condition accepts its lastError, else sends it to on-error', async () => {
    const flaky = new StaticBackend((_ctx, call) => (call === 0 ? { failure: 'upstream-unreachable' } : { status: 200 }));
    const retried = await runExchange(
      {
        backend: [
          {
            retry: {
              condition: '@(context.lastError.reason == "upstream-unreachable" || response.status >= 500)',
              count: 1,
              interval: 0,
              statements: forward,
            },
          },
        ],
      },
      {},
      { backend: flaky },
    );
    expect(flaky.sent).toHaveLength(2);
    expect(retried.response?.status).toBe(200);
    expect(retried.lastError).toBeUndefined();

    const down = new StaticBackend({ failure: 'upstream-unreachable' });
    const failed = await runExchange(
      { backend: [{ retry: { condition: '@(response.status >= 500)', count: 3, interval: 0, statements: forward } }] },
      {},
      { backend: down },
    );
    expect(down.sent).toHaveLength(1);
    expect(failed.response?.status).toBe(502);
    expect(failed.lastError).toMatchObject({ source: 'forward-request', reason: 'upstream-unreachable' });
  });

  it('buffers the request body so that every attempt can send it', () => {
    expect(
      compileTestPipeline({
        backend: [{ retry: { condition: true, count: 1, interval: 0, statements: [{ 'forward-request': {} }] } }],
      }).needsRequestBody,
    ).toBe(true);
  });

  it('waits fixed, linear or exponential intervals as Azure documents', () => {
    const fixed = { interval: 2, delta: undefined, maxInterval: undefined, firstFastRetry: false };
    expect([1, 2, 3].map((n) => retryWaitMs(fixed, n))).toEqual([2000, 2000, 2000]);
    const linear = { ...fixed, delta: 3 };
    expect([1, 2, 3].map((n) => retryWaitMs(linear, n))).toEqual([2000, 5000, 8000]);
    const exponential = { interval: 10, delta: 10, maxInterval: 100, firstFastRetry: false };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryWaitMs(exponential, n, () => 0.5))).toEqual([
      10_000, 20_000, 40_000, 80_000, 100_000, 100_000,
    ]);
    expect(retryWaitMs({ ...exponential, firstFastRetry: true }, 1)).toBe(0);
    expect(retryWaitMs({ ...exponential, firstFastRetry: true }, 2, () => 0.5)).toBe(20_000);
  });
});
