import { describe, expect, it } from 'vitest';
import { compileTestPipeline, runExchange, StaticBackend } from '../../pipeline/testing.js';

describe('set-backend-service at run time', () => {
  it('points the call at a base URL, literal or computed', async () => {
    const backend = new StaticBackend({ status: 200 });
    await runExchange(
      { inbound: [{ 'set-backend-service': { 'base-url': '@("https://" + request.headers["x-region"] + ".example.com/v2")' } }] },
      { headers: ['x-region', 'eu'] },
      { backend },
    );
    expect(backend.sent[0]).toMatchObject({ backendUrl: 'https://eu.example.com/v2', backendId: undefined });
  });

  it('selects a configured backend by id; the last statement wins', async () => {
    const backend = new StaticBackend({ status: 200 });
    await runExchange(
      {
        inbound: [{ 'set-backend-service': { 'base-url': 'https://one.example.com' } }],
        backend: [{ 'set-backend-service': { 'backend-id': 'orders-eu' } }],
      },
      {},
      { backend },
    );
    expect(backend.sent[0]).toMatchObject({ backendUrl: undefined, backendId: 'orders-eu' });
  });

  it('refuses a computed URL that is not http(s), through on-error', async () => {
    const ctx = await runExchange({ inbound: [{ 'set-backend-service': { 'base-url': '@("ftp://files")' } }] });
    expect(ctx.response?.status).toBe(500);
    expect(ctx.lastError).toMatchObject({ source: 'set-backend-service', reason: 'invalid-base-url' });
  });

  it('refuses at compile a literal that a named value turned into something else than a URL', () => {
    expect(() =>
      compileTestPipeline(
        { inbound: [{ 'set-backend-service': { 'base-url': 'https://{{host}}' } }] },
        { namedValues: { host: 'bad host' } },
      ),
    ).toThrow(/set-backend-service: base-url/);
  });
});
