import { describe, expect, it } from 'vitest';
import { PolicyContext, type PolicyRequestInit } from '../pipeline/policy-context.js';
import { createExpressionCompiler } from './compile-expression.js';
import { compileDirectRead, DEFER } from './direct-expression.js';
import { expressionScope } from './expression-scope.js';
import { createPolicyExpressionEnvironment } from './policy-expression-environment.js';

const environment = createPolicyExpressionEnvironment();

const requests: Record<string, PolicyRequestInit> = {
  typical: {
    method: 'GET',
    path: '/orders/42',
    query: 'tag=a&tag=b&Page=2',
    headers: ['X-Client-Id', 'portal', 'User-Agent', 'bench/1.0 Mobile', 'Accept', 'a', 'accept', 'b', 'x-empty', ''],
    ip: '198.51.100.1',
    params: new Map([['orderId', '42']]),
  },
  bare: { method: 'DELETE', path: '/' },
};

// Expressions the direct path takes: each is checked against the library on every request.
const direct = [
  'request.method == "DELETE"',
  'request.method != "GET"',
  '!(request.method == "GET")',
  'request.ip == "198.51.100.1"',
  'request.headers["x-client-id"]',
  'request.headers["x-client-id"] == "portal"',
  // Header maps are keyed lower-case: another spelling misses, as in CEL.
  'request.headers["X-Client-Id"] == "portal"',
  'request.headers[?"X-Client-Id"].orValue("none")',
  'request.headers[?"x-client-id"].orValue("anonymous")',
  'request.headers[?"user-agent"].orValue("").contains("Mobile")',
  'request.headers[?"user-agent"].orValue("").startsWith("bench/")',
  'request.headers[?"user-agent"].orValue("").endsWith("Desktop")',
  'request.headers["accept"]',
  'request.headers["x-empty"] == ""',
  'request.headers["x-missing"] == "y"',
  'request.headers["x-missing"] == "y" || true',
  'true || request.headers["x-missing"] == "y"',
  'request.headers["x-missing"] == "y" && false',
  'false && request.headers["x-missing"] == "y"',
  'request.method == "GET" && request.headers[?"x-client-id"].orValue("") == "portal"',
  'request.method == "POST" || request.headers[?"accept"].orValue("") == "a, b"',
  'request.query["tag"]',
  'request.query["page"] == "2"',
  'request.query[?"Page"].orValue("1")',
  'request.params["orderId"]',
  'request.params[?"missing"].orValue("none")',
  'request.headers[?"x-client-id"].orValue(request.method)',
  'request.headers[?"x-client-id"].orValue(request.headers["x-missing"])',
  'true',
  '"literal"',
];

// Outside the subset: the library evaluates these.
const library = [
  'request.headers.accept',
  'request.url.path == "/orders/42"',
  'request.method + "x"',
  'size(request.headers) > 1',
  '"x-client-id" in request.headers',
  'request.headers["accept"].matches("^a")',
  'response.headers[?"x"].orValue("") == ""',
  'variables[?"x"].orValue("") == ""',
  '1 == 1',
];

type Outcome = { value: unknown } | { error: true };

function viaLibrary(expression: string, ctx: PolicyContext): Outcome {
  const program = environment.parse(expression);
  program.check();
  try {
    return { value: program(expressionScope(ctx, 1024)) };
  } catch {
    return { error: true };
  }
}

function viaCompiler(expression: string, ctx: PolicyContext): Outcome {
  const value = createExpressionCompiler(new Map()).dyn(`@(${expression})`, { policy: 'set-variable', path: 'inbound[0]' });
  try {
    return { value: value.evaluate(ctx) };
  } catch {
    return { error: true };
  }
}

describe('direct reads of simple expressions', () => {
  it.each(direct)('compiles %s to a direct read', (expression) => {
    expect(compileDirectRead(environment.parse(expression).ast)).toBeTypeOf('function');
  });

  it.each(library)('leaves %s to the library', (expression) => {
    expect(compileDirectRead(environment.parse(expression).ast)).toBeUndefined();
  });

  for (const [name, init] of Object.entries(requests)) {
    it.each([...direct, ...library])(`agree with the library on the ${name} request: %s`, (expression) => {
      const ctx = new PolicyContext({ request: init, requestId: 'req-test' });
      const expected = viaLibrary(expression, ctx);
      expect(viaCompiler(expression, ctx)).toEqual(expected);
      // Where the library fails (a missing key), the direct read hands over instead of answering.
      const read = compileDirectRead(environment.parse(expression).ast);
      if (read !== undefined && 'error' in expected) expect(read(ctx)).toBe(DEFER);
    });
  }

  it('read the request as statements left it', () => {
    const ctx = new PolicyContext({ request: requests.typical!, requestId: 'req-test' });
    const read = compileDirectRead(environment.parse('request.headers[?"x-client-id"].orValue("anonymous")').ast)!;
    expect(read(ctx)).toBe('portal');
    ctx.request.headers.delete('x-client-id');
    expect(read(ctx)).toBe('anonymous');
    ctx.request.headers.append('X-Client-Id', 'one');
    ctx.request.headers.append('x-client-id', 'two');
    expect(read(ctx)).toBe('one, two');
    expect(viaLibrary('request.headers[?"x-client-id"].orValue("anonymous")', ctx)).toEqual({ value: 'one, two' });
  });

  it('report a missing key with the library error', () => {
    const ctx = new PolicyContext({ request: requests.bare!, requestId: 'req-test' });
    const value = createExpressionCompiler(new Map()).string('@(request.headers["x-client-id"])', {
      policy: 'set-header',
      path: 'inbound[0]',
    });
    expect(() => value.evaluate(ctx)).toThrow(/inbound\[0\] set-header: expression .*x-client-id/);
  });
});
