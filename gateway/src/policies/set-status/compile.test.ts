import { describe, expect, it } from 'vitest';
import { runExchange, runInbound } from '../../pipeline/testing.js';

describe('set-status at run time', () => {
  it('changes the backend response status and reason in outbound', async () => {
    const ctx = await runExchange(
      { outbound: [{ 'set-status': { code: 202, reason: 'Accepted' } }] },
      {},
      { backendResponse: { status: 200, body: 'x' } },
    );
    expect(ctx.response).toMatchObject({ status: 202, reason: 'Accepted' });
    expect(ctx.response?.body?.toString()).toBe('x');
  });

  it('creates a response in inbound without stopping the section', async () => {
    const ctx = await runInbound({
      inbound: [{ 'set-status': { code: 401 } }, { 'set-variable': { name: 'after', value: true } }],
    });
    expect(ctx.response?.status).toBe(401);
    expect(ctx.variables.get('after')).toBe(true);
  });

  it('fails on an expression giving a code outside 100–599', async () => {
    const ctx = await runInbound({ inbound: [{ 'set-status': { code: '@(1000)' } }] });
    expect(ctx.lastError).toMatchObject({
      reason: 'expression-failed',
      message: 'inbound[0] set-status: status 1000 is not 100–599',
    });
  });
});
