import { describe, expect, it } from 'vitest';
import { runExchange, runInbound } from '../../pipeline/testing.js';

const setHeader = (config: Record<string, unknown>) => ({ inbound: [{ 'set-header': config }] });
const headers = ['X-Tier', 'silver', 'x-tier', 'bronze'];

describe('set-header at run time', () => {
  it('overrides every line by default, keeping the name case-insensitive', async () => {
    const ctx = await runInbound(setHeader({ name: 'x-tier', value: ['gold'] }), { headers });
    expect(ctx.request.headers.get('X-TIER')).toEqual(['gold']);
  });

  it('skips an existing header and sets a missing one', async () => {
    expect(
      (
        await runInbound(setHeader({ name: 'x-tier', 'exists-action': 'skip', value: ['gold'] }), { headers })
      ).request.headers.get('x-tier'),
    ).toEqual(['silver', 'bronze']);
    expect(
      (await runInbound(setHeader({ name: 'x-tier', 'exists-action': 'skip', value: ['gold'] }))).request.headers.get('x-tier'),
    ).toEqual(['gold']);
  });

  it('appends values and deletes every line', async () => {
    const appended = await runInbound(setHeader({ name: 'x-tier', 'exists-action': 'append', value: ['gold', 'vip'] }), {
      headers,
    });
    expect(appended.request.headers.get('x-tier')).toEqual(['silver', 'bronze', 'gold', 'vip']);
    const deleted = await runInbound(setHeader({ name: 'X-Tier', 'exists-action': 'delete' }), { headers });
    expect(deleted.request.headers.has('x-tier')).toBe(false);
  });

  it('evaluates expressions and named values', async () => {
    const ctx = await runInbound(
      setHeader({ name: 'x-route', value: ['@(request.method + ":" + request.url.path)', '{{region}}'] }),
      { method: 'PUT', path: '/a' },
      { namedValues: { region: 'eu-west' } },
    );
    expect(ctx.request.headers.get('x-route')).toEqual(['PUT:/a', 'eu-west']);
  });

  it('changes the response in outbound and keeps the first spelling of a new name', async () => {
    const ctx = await runExchange({ outbound: [{ 'set-header': { name: 'X-Served-By', value: ['portico'] } }] });
    expect(ctx.response?.headers.toFlat()).toEqual(['X-Served-By', 'portico']);
    expect(ctx.request.headers.has('x-served-by')).toBe(false);
  });
});
