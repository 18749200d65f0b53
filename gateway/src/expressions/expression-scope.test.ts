import { describe, expect, it } from 'vitest';
import { FieldMap } from '../pipeline/field-map.js';
import { PolicyResponse } from '../pipeline/policy-context.js';
import { testContext } from '../pipeline/testing.js';
import { createExpressionCompiler } from './compile-expression.js';

const compiler = createExpressionCompiler(new Map());
const site = { policy: 'set-variable', path: 'inbound[1]' };

function contextWith(variables: Record<string, unknown>) {
  const ctx = testContext();
  for (const [name, value] of Object.entries(variables)) ctx.variables.set(name, value);
  return ctx;
}

function sideResponse(body?: string): PolicyResponse {
  const headers = new FieldMap(true);
  headers.append('Content-Type', 'application/json');
  headers.append('X-Tag', 'a');
  headers.append('x-tag', 'b');
  return new PolicyResponse(201, 'Created', headers, body === undefined ? undefined : Buffer.from(body));
}

describe('a response kept in a variable (send-request)', () => {
  it('reads as `response` does: status, statusReason, headers and body', () => {
    const ctx = contextWith({ profile: sideResponse('{"name":"ada"}'), count: 2n });
    const read = (expression: string) => compiler.dyn(`@(${expression})`, site).evaluate(ctx);
    expect(read('variables["profile"].status')).toBe(201n);
    expect(read('variables.profile.statusReason')).toBe('Created');
    expect(read('variables["profile"].headers["content-type"]')).toBe('application/json');
    expect(read('variables["profile"].headers["x-tag"]')).toBe('a, b');
    expect(read('variables["profile"].body')).toBe('{"name":"ada"}');
    expect(read('variables["profile"].status == 201 && variables["count"] + 1 == 3')).toBe(true);
    expect(read('size(variables)')).toBe(2n);
  });

  it('has no body field when the response had none', () => {
    const ctx = contextWith({ profile: sideResponse() });
    expect(compiler.bool('@(has(variables.profile.body))', site).evaluate(ctx)).toBe(false);
    expect(compiler.bool('@(has(variables.profile.status))', site).evaluate(ctx)).toBe(true);
  });

  it('reads the response as it is now, and leaves the variable itself a PolicyResponse', () => {
    const response = sideResponse('x');
    const ctx = contextWith({ profile: response });
    const status = compiler.int('@(variables["profile"].status)', site);
    expect(status.evaluate(ctx)).toBe(201);
    response.status = 404;
    expect(status.evaluate(ctx)).toBe(404);
    expect(ctx.variables.get('profile')).toBe(response);
  });
});
