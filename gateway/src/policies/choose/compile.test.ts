import { describe, expect, it } from 'vitest';
import { runInbound } from '../../pipeline/testing.js';

const choose = {
  inbound: [
    {
      choose: {
        when: [
          { condition: '@(request.method == "DELETE")', statements: [{ 'return-response': { 'set-status': { code: 405 } } }] },
          {
            condition: '@(request.headers[?"x-debug"].hasValue())',
            statements: [{ 'set-variable': { name: 'branch', value: 'debug' } }],
          },
          {
            condition: '@(request.headers[?"x-debug"].hasValue())',
            statements: [{ 'set-variable': { name: 'branch', value: 'second' } }],
          },
        ],
        otherwise: [{ 'set-variable': { name: 'branch', value: 'otherwise' } }],
      },
    },
    { 'set-variable': { name: 'after', value: true } },
  ],
};

describe('choose at run time', () => {
  it('runs the first true branch only, then goes on', async () => {
    const ctx = await runInbound(choose, { headers: ['x-debug', '1'] });
    expect(Object.fromEntries(ctx.variables)).toEqual({ branch: 'debug', after: true });
  });

  it('runs otherwise when no condition holds', async () => {
    expect((await runInbound(choose)).variables.get('branch')).toBe('otherwise');
  });

  it('stops the section when a branch responds', async () => {
    const ctx = await runInbound(choose, { method: 'DELETE' });
    expect(ctx.response?.status).toBe(405);
    expect(ctx.variables.has('after')).toBe(false);
  });

  it('continues with an empty branch and without otherwise', async () => {
    const ctx = await runInbound({
      inbound: [
        { choose: { when: [{ condition: '@(true)', statements: [] }] } },
        { 'set-variable': { name: 'after', value: 1 } },
      ],
    });
    expect(ctx.variables.get('after')).toBe(1n);
  });

  it('sends a failing condition to on-error', async () => {
    const ctx = await runInbound({
      inbound: [{ choose: { when: [{ condition: '@(request.headers["nope"] == "x")', statements: [] }] } }],
    });
    expect(ctx.lastError).toMatchObject({
      source: 'choose',
      reason: 'expression-failed',
      policy: 'inbound[0].choose.when[0] choose',
    });
  });
});
