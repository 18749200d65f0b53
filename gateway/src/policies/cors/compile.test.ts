import { describe, expect, it } from 'vitest';
import { PolicyResponse, type PolicyRequestInit } from '../../pipeline/policy-context.js';
import { runInbound } from '../../pipeline/testing.js';
import { corsExample } from './example.js';

const cors = (config: Record<string, unknown>) => ({ inbound: [{ cors: config }] });
const portal = 'https://portal.example.com';

async function run(config: Record<string, unknown>, request: Partial<PolicyRequestInit>) {
  const ctx = await runInbound(cors(config), request);
  const answered = ctx.response !== undefined;
  const response = ctx.response ?? new PolicyResponse(200);
  ctx.decorate(response);
  return { ctx, answered, headers: Object.fromEntries([...response.headers.entries()].map(([k, v]) => [k, v.join(', ')])) };
}

const preflight = (origin: string, method: string, headers?: string): Partial<PolicyRequestInit> => ({
  method: 'OPTIONS',
  headers: [
    'Origin',
    origin,
    'Access-Control-Request-Method',
    method,
    ...(headers === undefined ? [] : ['Access-Control-Request-Headers', headers]),
  ],
});

describe('cors at run time', () => {
  it('answers an allowed preflight with the Access-Control-Allow-* headers', async () => {
    const { ctx, answered, headers } = await run(corsExample, preflight(portal, 'PATCH', 'Content-Type, Authorization'));
    expect(answered).toBe(true);
    expect(ctx.response?.status).toBe(200);
    expect(headers).toEqual({
      'access-control-allow-origin': portal,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'PATCH',
      'access-control-allow-headers': 'Content-Type, Authorization',
      'access-control-max-age': '300',
      vary: 'Origin',
    });
  });

  it('ends an unmatched preflight with an empty 200, or leaves it to the next cors statement', async () => {
    for (const request of [
      preflight('https://evil.example', 'GET'),
      preflight(portal, 'PUT'),
      preflight(portal, 'GET', 'x-not-allowed'),
    ]) {
      const { ctx, answered, headers } = await run(corsExample, request);
      expect(answered).toBe(true);
      expect(ctx.response?.status).toBe(200);
      expect(headers['access-control-allow-origin']).toBeUndefined();
    }
    const passOn = await run({ ...corsExample, 'terminate-unmatched-request': false }, preflight('https://evil.example', 'GET'));
    expect(passOn.answered).toBe(false);
  });

  it('defaults to GET and POST and accepts an origin written with a trailing slash', async () => {
    const config = { 'allowed-origins': ['https://app.example.com/'] };
    expect((await run(config, preflight('https://app.example.com', 'POST'))).headers['access-control-allow-origin']).toBe(
      'https://app.example.com',
    );
    expect(
      (await run(config, preflight('https://app.example.com', 'DELETE'))).headers['access-control-allow-origin'],
    ).toBeUndefined();
  });

  it('lets an actual request from an allowed origin through and decorates its final response', async () => {
    const { answered, headers } = await run(corsExample, { method: 'POST', headers: ['Origin', portal] });
    expect(answered).toBe(false);
    expect(headers).toEqual({
      'access-control-allow-origin': portal,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-request-id',
      vary: 'Origin',
    });
  });

  it('answers * to every origin when credentials are not allowed, without Vary', async () => {
    const config = { 'allowed-origins': ['*'], 'allowed-methods': ['*'], 'allowed-headers': ['*'] };
    const actual = await run(config, { headers: ['Origin', 'https://anyone.example'] });
    expect(actual.headers).toEqual({ 'access-control-allow-origin': '*' });
    const pre = await run(config, preflight('https://anyone.example', 'DELETE', 'x-anything'));
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-headers']).toBe('x-anything');
    expect(pre.headers.vary).toBeUndefined();
  });

  it('ends a GET from an unmatched origin with an empty 200 unless terminate-unmatched-request is false', async () => {
    const terminated = await run(corsExample, { headers: ['Origin', 'https://evil.example'] });
    expect(terminated.answered).toBe(true);
    expect(terminated.ctx.response?.status).toBe(200);
    expect(terminated.ctx.response?.body).toBeUndefined();
    const passed = await run(
      { ...corsExample, 'terminate-unmatched-request': false },
      { headers: ['Origin', 'https://evil.example'] },
    );
    expect(passed.answered).toBe(false);
    expect(passed.headers).toEqual({ vary: 'Origin' });
    // Other methods go on, without CORS headers: the browser refuses the response to the page.
    const post = await run(corsExample, { method: 'POST', headers: ['Origin', 'https://evil.example'] });
    expect(post.answered).toBe(false);
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('marks same-origin and non-browser responses Vary: Origin so caches keep them apart', async () => {
    const { answered, headers } = await run(corsExample, {});
    expect(answered).toBe(false);
    expect(headers).toEqual({ vary: 'Origin' });
  });
});
