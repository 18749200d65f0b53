import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expression, orExpression } from './expression-schemas.js';

describe('orExpression', () => {
  const calls = orExpression(z.number().int().positive(), 'int');

  it('accepts a literal or an expression of the slot type', () => {
    expect(calls.safeParse(5).success).toBe(true);
    expect(calls.safeParse('@(int(variables.limit))').success).toBe(true);
  });

  it('applies literal constraints to literals only', () => {
    expect(calls.safeParse(0).success).toBe(false);
  });

  it('carries the position of a CEL problem in the issue', () => {
    const result = calls.safeParse('@(request.url.port + "x")');
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        message: 'invalid expression: no such overload: int + string (at character 3)',
        params: { expressionRange: { start: 2, end: 24 } },
      }),
    ]);
  });

  it('checks a string starting with @( even where plain text is allowed', () => {
    const text = orExpression(z.string(), 'string');
    expect(text.safeParse('plain text').success).toBe(true);
    expect(text.safeParse('@(oops').error?.issues[0]?.message).toBe(
      "invalid expression: an expression must end with ')' (at character 7)",
    );
  });
});

describe('expression', () => {
  it('refuses a literal where only an expression makes sense', () => {
    const condition = expression('bool');
    expect(condition.safeParse('@(request.method == "GET")').success).toBe(true);
    expect(condition.safeParse('true').error?.issues[0]?.message).toBe('expected an expression @( … )');
  });
});
