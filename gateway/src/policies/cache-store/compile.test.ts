import { describe, expect, it } from 'vitest';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { compileTestPipeline, runExchange, runInbound } from '../../pipeline/testing.js';
import { PolicyCache, policyCacheKey } from '../policy-cache.js';

const lookup = { 'cache-lookup': { 'vary-by-developer': false, 'vary-by-developer-groups': false } };

describe('cache-store at run time', () => {
  it('asks the exchange for the backend body only as an optional read', () => {
    expect(compileTestPipeline({ outbound: [{ 'cache-store': { duration: 60 } }] }).responseBody).toBe('optional');
    // A statement that requires the body wins.
    const both = { outbound: [{ 'cache-store': { duration: 60 } }, { 'find-and-replace': { from: 'a', to: 'b' } }] };
    expect(compileTestPipeline(both).responseBody).toBe('required');
  });

  it('wants the body only in an exchange where cache-lookup missed', async () => {
    const document = { inbound: [lookup], outbound: [{ 'cache-store': { duration: 60 } }, { 'cache-store': { duration: 5 } }] };
    const pipeline = compileTestPipeline(document);
    const services = new PolicyServices();
    const missed = await runInbound(document, { method: 'GET' }, { services });
    expect(pipeline.responseBodyWanted(missed)).toBe(true);
    const posted = await runInbound(document, { method: 'POST' }, { services });
    expect(pipeline.responseBodyWanted(posted)).toBe(false);
  });

  it('stores nothing when the body was not buffered (too large, or streamed)', async () => {
    const services = new PolicyServices();
    const ctx = await runExchange(
      { inbound: [lookup], outbound: [{ 'cache-store': { duration: 60 } }] },
      {},
      { services, backendResponse: { status: 200 } },
    );
    expect(ctx.response?.status).toBe(200);
    expect(services.get(policyCacheKey).size).toBe(0);
    expect(ctx.response?.headers.has('cache-control')).toBe(false);
  });

  it('does nothing without a cache-lookup miss in the same exchange', async () => {
    const services = new PolicyServices();
    const ctx = await runExchange(
      { outbound: [{ 'cache-store': { duration: 60 } }] },
      {},
      { services, backendResponse: { status: 200, body: 'x' } },
    );
    expect(services.get(policyCacheKey).size).toBe(0);
    expect(ctx.response?.headers.has('cache-control')).toBe(false);
  });

  it('stores the response as outbound shaped it up to the statement', async () => {
    const services = new PolicyServices();
    const document = {
      inbound: [lookup],
      outbound: [
        { 'set-header': { name: 'x-before', value: ['1'] } },
        { 'cache-store': { duration: '@(int(request.headers[?"x-ttl"].orValue("60")))' } },
        { 'set-header': { name: 'x-after', value: ['1'] } },
      ],
    };
    await runExchange(
      document,
      {},
      { services, backendResponse: { status: 200, body: 'x', headers: ['X-Request-Id', 'req-1'] } },
    );
    const hit = await runExchange(document, {}, { services });
    expect(hit.response?.headers.get('x-before')).toEqual(['1']);
    expect(hit.response?.headers.has('x-after')).toBe(false);
    // The gateway's own request id is not replayed from the cache.
    expect(hit.response?.headers.has('x-request-id')).toBe(false);
  });

  it('stores nothing for a duration expression that is not positive', async () => {
    const services = new PolicyServices();
    const cache = new PolicyCache();
    services.set(policyCacheKey, cache);
    await runExchange(
      { inbound: [lookup], outbound: [{ 'cache-store': { duration: '@(0)' } }] },
      {},
      { services, backendResponse: { status: 200, body: 'x' } },
    );
    expect(cache.size).toBe(0);
  });
});
