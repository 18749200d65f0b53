import { describe, expect, it } from 'vitest';
import { runInbound } from '../../pipeline/testing.js';

const rewrite = (config: Record<string, unknown>) => ({ inbound: [{ 'rewrite-uri': config }] });
const request = { path: '/orders/42', query: 'expand=items&debug=1&orderId=9', params: new Map([['orderId', '4 2']]) };

describe('rewrite-uri at run time', () => {
  it('fills {params} from the matched template parameters, encoded, and copies unmatched query parameters', async () => {
    const ctx = await runInbound(rewrite({ template: '/v2/orders/{orderId}?source=gw' }), request);
    expect(ctx.request.path).toBe('/v2/orders/4%202');
    expect(ctx.request.query.toQueryString()).toBe('source=gw&expand=items&debug=1');
  });

  it('drops the original query without copy-unmatched-params', async () => {
    const ctx = await runInbound(rewrite({ template: '/v2/orders/{orderId}', 'copy-unmatched-params': false }), request);
    expect(ctx.request.query.size).toBe(0);
  });

  it('lets the template override a query parameter and bind one from the query', async () => {
    const ctx = await runInbound(rewrite({ template: '/search/{q}?debug=0' }), { path: '/s', query: 'q=shoes&debug=1&page=2' });
    expect(ctx.request.path).toBe('/search/shoes');
    expect(ctx.request.query.toQueryString()).toBe('debug=0&page=2');
  });

  it('evaluates a template expression per request', async () => {
    const ctx = await runInbound(rewrite({ template: '@("/" + request.method.lowerAscii() + "/x")' }), { method: 'PATCH' });
    expect(ctx.request.path).toBe('/patch/x');
  });
});
