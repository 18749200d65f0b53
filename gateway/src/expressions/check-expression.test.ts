import { describe, expect, it } from 'vitest';
import { checkExpression, isExpression } from './check-expression.js';

describe('checkExpression', () => {
  it('accepts well-typed expressions over the request context', () => {
    const valid: [string, Parameters<typeof checkExpression>[1]][] = [
      ['@(request.method == "GET" && request.url.port == 443)', 'bool'],
      ['@(request.headers[?"x-api-version"].orValue("1"))', 'string'],
      ['@(request.query.page)', 'string'],
      ['@(response.status)', 'int'],
      ['@(has(user.id) && "admins" in user.groups)', 'bool'],
      ['@(subscription.id + "/" + product.name + "/" + api.path + "/" + operation.urlTemplate)', 'string'],
      ['@(string(jwt.sub))', 'string'],
      ['@(variables.count)', 'int'],
      ['@(size(request.body))', 'double'],
      ['@({"id": request.params.id})', 'dyn'],
    ];
    for (const [written, type] of valid) expect(checkExpression(written, type), written).toBeUndefined();
  });

  it('reports an undeclared variable at its position in the written value', () => {
    expect(checkExpression('@(reqest.method)', 'string')).toEqual({
      message: 'Unknown variable: reqest',
      range: { start: 2, end: 8 },
    });
  });

  it('reports an unknown field of a declared variable', () => {
    expect(checkExpression('@(request.methd)', 'string')).toEqual({
      message: 'No such key: methd',
      range: { start: 10, end: 15 },
    });
  });

  it('reports a syntax error where the parser stopped', () => {
    expect(checkExpression('@(request.method ==)', 'bool')).toEqual({
      message: 'Unexpected token: EOF',
      range: { start: 19, end: 19 },
    });
  });

  it('reports operators applied to the wrong types', () => {
    expect(checkExpression('@(request.headers.foo + 1)', 'string')).toEqual({
      message: 'no such overload: string + int',
      range: { start: 2, end: 25 },
    });
  });

  it('reports a result of the wrong type for the slot', () => {
    expect(checkExpression('@(request.url.port)', 'string')).toEqual({
      message: 'the expression returns int, expected string',
      range: { start: 0, end: 19 },
    });
  });

  it('reports a missing closing parenthesis and an empty expression', () => {
    expect(checkExpression('@(request.method', 'string')?.message).toBe("an expression must end with ')'");
    expect(checkExpression('@( )', 'string')?.message).toBe('empty expression');
  });
});

describe('isExpression', () => {
  it('treats every string starting with @( as an expression, as Azure does', () => {
    expect(isExpression('@(x)')).toBe(true);
    expect(isExpression('@(unclosed')).toBe(true);
    expect(isExpression('mail@(example)')).toBe(false);
    expect(isExpression(3)).toBe(false);
  });
});
