import { describe, expect, it } from 'vitest';
import { compileTestPipeline, runInbound } from '../pipeline/testing.js';
import { checkExpression } from './check-expression.js';
import { createExpressionCompiler, substituteNamedValues } from './compile-expression.js';
import { unsafeRegexReason } from './expression-cost.js';

const setVariable = (value: unknown) => ({ inbound: [{ 'set-variable': { name: 'out', value } }] });

async function evaluate(value: string, request = {}, options = {}) {
  const ctx = await runInbound(setVariable(value), request, options);
  return ctx.lastError ?? ctx.variables.get('out');
}

describe('expressions at run time', () => {
  it('read the request as it is now', async () => {
    const request = {
      method: 'POST',
      path: '/orders/42',
      query: 'page=2&tag=a&tag=b',
      headers: ['X-Client', 'portal', 'Accept', 'a', 'accept', 'b'],
      ip: '198.51.100.1',
      scheme: 'https',
      host: 'api.example.com',
      params: new Map([['id', '42']]),
    };
    expect(await evaluate('@(request.method + " " + request.url.path + "?" + request.url.queryString)', request)).toBe(
      'POST /orders/42?page=2&tag=a&tag=b',
    );
    expect(await evaluate('@(request.headers["x-client"])', request)).toBe('portal');
    expect(await evaluate('@(request.headers.accept)', request)).toBe('a, b');
    expect(await evaluate('@(request.query.tag)', request)).toBe('a, b');
    expect(await evaluate('@(request.params.id)', request)).toBe('42');
    expect(await evaluate('@(request.ip)', request)).toBe('198.51.100.1');
    expect(await evaluate('@(request.url.port)', request)).toBe(443n);
    expect(await evaluate('@(request.headers[?"x-missing"].orValue("none"))', request)).toBe('none');
  });

  it('see changes made by earlier statements', async () => {
    const ctx = await runInbound({
      inbound: [
        { 'set-header': { name: 'x-a', value: ['one'] } },
        { 'set-variable': { name: 'n', value: 41 } },
        { 'set-variable': { name: 'out', value: '@(request.headers["x-a"] + string(variables.n + 1))' } },
      ],
    });
    expect(ctx.variables.get('out')).toBe('one42');
  });

  it('read subscription, product, api, operation, user, jwt and context', async () => {
    const options = {
      context: {
        subscription: { id: 'sub_1', name: 'gold', state: 'active' },
        user: { id: 'usr_1', email: 'a@example.com', firstName: 'A', lastName: 'B', groups: ['admins'] },
        api: { id: 'api_1', name: 'orders', path: 'orders', type: 'http', version: '', revision: '1', serviceUrl: '' },
      },
    };
    expect(await evaluate('@(subscription.name + "/" + api.name)', {}, options)).toBe('gold/orders');
    expect(await evaluate('@("admins" in user.groups)', {}, options)).toBe(true);
    expect(await evaluate('@(has(product.id))', {}, options)).toBe(false);
    expect(await evaluate('@(context.requestId)', {}, options)).toBe('req-test');
    expect(await evaluate('@(context.elapsed >= 0)', {}, options)).toBe(true);
    expect(await evaluate('@(size(jwt))', {}, options)).toBe(0n);
  });

  it('read the body, JSON when the content type says so', async () => {
    const body = Buffer.from('{"items":[{"id":1},{"id":2}]}');
    const request = { method: 'POST', headers: ['content-type', 'application/json'], body };
    expect(await evaluate('@(request.body.items.map(i, i.id).size())', request)).toBe(2n);
  });

  it('substitute named values in literals and in expressions, at compile time', async () => {
    const options = { namedValues: { tier: 'gold', limit: '7' } };
    expect(await evaluate('tier-{{tier}}', {}, options)).toBe('tier-gold');
    expect(await evaluate('@("{{tier}}" + "!")', {}, options)).toBe('gold!');
    expect(
      substituteNamedValues(
        '{{a}}-{{b.c}}',
        new Map([
          ['a', '1'],
          ['b.c', '2'],
        ]),
      ),
    ).toBe('1-2');
  });

  it('fail with expression-failed and run on-error', async () => {
    const ctx = await runInbound({
      inbound: [{ 'set-variable': { name: 'out', value: '@(request.headers["x-missing"])' } }],
      'on-error': [{ 'set-header': { name: 'x-why', value: ['@(context.lastError.reason)'] } }],
    });
    expect(ctx.lastError).toMatchObject({
      source: 'set-variable',
      reason: 'expression-failed',
      policy: 'inbound[0] set-variable',
    });
    expect(ctx.lastError?.message).toContain('No such key: x-missing');
    expect(ctx.response?.status).toBe(500);
    expect(ctx.response?.headers.first('x-why')).toBe('expression-failed');
  });

  it('fail with expression-failed when the result does not fit the slot', async () => {
    const ctx = await runInbound({ inbound: [{ 'set-header': { name: 'x', value: ['@(dyn([1, 2]))'] } }] });
    expect(ctx.lastError?.message).toBe('inbound[0] set-header: expression returned list, expected string');
  });

  it('exceed their budget on a body over maxBodyBytes, and on-error says so', async () => {
    const ctx = await runInbound(
      {
        inbound: [{ 'set-variable': { name: 'out', value: '@(request.body)' } }],
        'on-error': [{ 'set-header': { name: 'x-why', value: ['@(context.lastError.reason)'] } }],
      },
      { method: 'POST', body: Buffer.alloc(2048, 'a') },
      { budget: { maxBodyBytes: 1024 } },
    );
    expect(ctx.lastError).toMatchObject({ reason: 'expression-budget-exceeded', source: 'set-variable' });
    expect(ctx.lastError?.message).toContain('request.body is 2048 bytes, over the 1024');
    expect(ctx.response?.headers.first('x-why')).toBe('expression-budget-exceeded');
  });

  it('exceed their budget when an iterating evaluation takes too long', async () => {
    const items = JSON.stringify({ items: Array.from({ length: 20_000 }, (_, i) => `item-${i}`) });
    const ctx = await runInbound(
      setVariable('@(request.body.items.filter(i, i.endsWith("9")).map(i, i + i).size())'),
      { method: 'POST', headers: ['content-type', 'application/json'], body: Buffer.from(items) },
      { budget: { maxMillis: 0, maxBodyBytes: 1 << 20 } },
    );
    expect(ctx.lastError?.reason).toBe('expression-budget-exceeded');
    expect(ctx.response?.status).toBe(500);
  });

  it('compile literals to constants and expressions to programs', () => {
    const compiler = createExpressionCompiler(new Map([['code', '404']]));
    const site = { policy: 'set-status', path: 'inbound[0]' };
    expect(compiler.int('{{code}}', site).constant).toBe(404);
    expect(compiler.bool('true', site).constant).toBe(true);
    expect(compiler.dyn(3, site).constant).toBe(3n);
    expect(compiler.string('@(request.method)', site).constant).toBeUndefined();
  });
});

describe('body readers', () => {
  const site = { policy: 'set-header', path: 'outbound[0]' };

  it('count expressions reading response.body, however the field is reached', () => {
    const compiler = createExpressionCompiler(new Map());
    compiler.dyn('@(response.body)', site);
    compiler.dyn('@(response["body"])', site);
    compiler.string('@(response.?body.orValue(""))', site);
    compiler.bool('@(has(response.body))', site);
    expect(compiler.responseBodyReaders).toBe(4);
    expect(compiler.requestBodyReaders).toBe(0);
  });

  it('leave other reads uncounted: headers, request.body, a variable named body', () => {
    const compiler = createExpressionCompiler(new Map());
    compiler.string('@(response.headers[?"content-type"].orValue(""))', site);
    compiler.dyn('@(variables["profile"].body)', site);
    compiler.dyn('@(request.body)', site);
    expect(compiler.responseBodyReaders).toBe(0);
    expect(compiler.requestBodyReaders).toBe(1);
  });

  it('make the pipeline require the backend body', () => {
    const header = (value: string) => ({ outbound: [{ 'set-header': { name: 'x-out', value: [value] } }] });
    expect(compileTestPipeline(header('@(response.body)')).responseBody).toBe('required');
    expect(compileTestPipeline(header('@(string(response.status))')).responseBody).toBe('none');
    expect(compileTestPipeline(header('@(response.body)')).needsRequestBody).toBe(false);
  });
});

describe('cost rules', () => {
  it('refuse nested comprehensions at write time, allow chained ones', () => {
    expect(checkExpression('@(user.groups.exists(g, user.groups.exists(h, g == h)))', 'bool')?.message).toBe(
      'exists() inside another comprehension is not allowed (quadratic cost)',
    );
    expect(checkExpression('@(user.groups.filter(g, g != "").map(g, g + "!").size() > 0)', 'bool')).toBeUndefined();
  });

  it('refuse matches() with a computed or backtracking-prone pattern', () => {
    expect(checkExpression('@(request.method.matches(request.headers.p))', 'bool')?.message).toBe(
      'matches() needs a literal pattern',
    );
    expect(checkExpression('@(request.method.matches("^(a+)+$"))', 'bool')?.message).toContain('exponential backtracking');
    expect(checkExpression('@(request.method.matches("^(GET|PUT)$"))', 'bool')).toBeUndefined();
    expect(checkExpression('@(request.method.matches("^[A-Z]+$"))', 'bool')).toBeUndefined();
  });

  it('read regexes conservatively', () => {
    expect(unsafeRegexReason('(a|b)*')).toContain('exponential');
    expect(unsafeRegexReason('(\\d{3})-(\\d{4})')).toBeUndefined();
    expect(unsafeRegexReason('(a)\\1')).toBe('backreferences are not allowed in matches()');
    expect(unsafeRegexReason('a(?=b)')).toBe('lookarounds are not allowed in matches()');
    expect(unsafeRegexReason('((ab)+c)*')).toContain('exponential');
    expect(unsafeRegexReason('[(a+)+]')).toBeUndefined();
  });
});
