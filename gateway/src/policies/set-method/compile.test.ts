import { describe, expect, it } from 'vitest';
import { runInbound } from '../../pipeline/testing.js';

describe('set-method at run time', () => {
  it('sets the backend method from a literal or an expression', async () => {
    expect((await runInbound({ inbound: [{ 'set-method': { method: 'POST' } }] })).request.method).toBe('POST');
    const computed = await runInbound(
      { inbound: [{ 'set-method': { method: '@(request.headers[?"x-method"].orValue("GET"))' } }] },
      { headers: ['x-method', 'DELETE'] },
    );
    expect(computed.request.method).toBe('DELETE');
  });

  it('fails when an expression gives something that is not a method', async () => {
    const ctx = await runInbound(
      { inbound: [{ 'set-method': { method: '@(request.headers["x-method"])' } }] },
      { headers: ['x-method', 'get me'] },
    );
    expect(ctx.lastError?.reason).toBe('expression-failed');
    expect(ctx.request.method).toBe('GET');
  });
});
