import { describe, expect, it } from 'vitest';
import { runInbound } from '../../pipeline/testing.js';

const setQuery = (config: Record<string, unknown>) => ({ inbound: [{ 'set-query-parameter': config }] });

describe('set-query-parameter at run time', () => {
  it('overrides, skips, appends and deletes, names case-sensitive', async () => {
    const query = 'api-version=1&Tag=x&tag=a';
    const override = await runInbound(setQuery({ name: 'api-version', value: ['2024-06-01'] }), { query });
    expect(override.request.query.toQueryString()).toBe('api-version=2024-06-01&Tag=x&tag=a');
    const skip = await runInbound(setQuery({ name: 'api-version', 'exists-action': 'skip', value: ['2'] }), { query });
    expect(skip.request.query.get('api-version')).toEqual(['1']);
    const append = await runInbound(setQuery({ name: 'tag', 'exists-action': 'append', value: ['b', 'c d'] }), { query });
    expect(append.request.query.toQueryString()).toBe('api-version=1&Tag=x&tag=a&tag=b&tag=c%20d');
    const remove = await runInbound(setQuery({ name: 'tag', 'exists-action': 'delete' }), { query });
    expect(remove.request.query.toQueryString()).toBe('api-version=1&Tag=x');
  });

  it('takes values from expressions', async () => {
    const ctx = await runInbound(setQuery({ name: 'client', value: ['@(request.headers[?"x-client"].orValue("anonymous"))'] }));
    expect(ctx.request.query.get('client')).toEqual(['anonymous']);
  });
});
