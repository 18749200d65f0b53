import { describe, expect, it } from 'vitest';
import { runInbound } from '../../pipeline/testing.js';
import { checkHeaderExample } from './example.js';

const check = (config: Record<string, unknown>) => ({ inbound: [{ 'check-header': config }] });
const base = { name: 'X-Client-Id', 'failed-check-httpcode': 403, 'failed-check-error-message': 'Unknown client' };

describe('check-header at run time', () => {
  it('passes a present header when no values are listed', async () => {
    const ctx = await runInbound(check(base), { headers: ['x-client-id', 'anything'] });
    expect(ctx.response).toBeUndefined();
  });

  it('refuses a missing header with the configured status and message', async () => {
    const ctx = await runInbound(check(base));
    expect(ctx.response?.status).toBe(403);
    expect(ctx.lastError).toEqual({
      source: 'check-header',
      reason: 'header-not-found',
      message: 'Unknown client',
      policy: 'inbound[0] check-header',
    });
  });

  it('compares values case-sensitively unless ignore-case, line by line and item by item', async () => {
    const sensitive = { ...base, value: ['portal', 'mobile-app'] };
    expect((await runInbound(check(sensitive), { headers: ['x-client-id', 'Portal'] })).lastError?.reason).toBe(
      'header-value-not-allowed',
    );
    expect((await runInbound(check(checkHeaderExample), { headers: ['x-client-id', 'Portal'] })).response).toBeUndefined();
    expect((await runInbound(check(sensitive), { headers: ['x-client-id', 'other, mobile-app'] })).response).toBeUndefined();
    expect(
      (await runInbound(check(sensitive), { headers: ['x-client-id', 'other', 'X-Client-Id', 'portal'] })).response,
    ).toBeUndefined();
  });

  it('evaluates an expression message and values', async () => {
    const config = { ...base, 'failed-check-error-message': '@("bad client " + request.ip)', value: ['@(request.ip)'] };
    expect((await runInbound(check(config), { headers: ['x-client-id', '10.0.0.1'], ip: '10.0.0.1' })).response).toBeUndefined();
    const refused = await runInbound(check(config), { headers: ['x-client-id', 'nope'], ip: '10.0.0.1' });
    expect(refused.lastError?.message).toBe('bad client 10.0.0.1');
  });
});
