import { describe, expect, it } from 'vitest';
import { runInbound } from '../../pipeline/testing.js';
import { authenticationBasicExample } from './example.js';

const basic = (config: Record<string, unknown>) => ({ inbound: [{ 'authentication-basic': config }] });
const decode = (header: string | undefined) => Buffer.from((header ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');

describe('authentication-basic at run time', () => {
  it('replaces the caller’s Authorization with Basic credentials from named values', async () => {
    const ctx = await runInbound(
      basic(authenticationBasicExample),
      { headers: ['Authorization', 'Bearer caller-token'] },
      {
        namedValues: { 'orders-backend-password': 's3cret:with colon' },
      },
    );
    expect(ctx.request.headers.get('authorization')).toHaveLength(1);
    const header = ctx.request.headers.first('authorization');
    expect(header).toMatch(/^Basic /);
    expect(decode(header)).toBe('portico-gateway:s3cret:with colon');
  });

  it('encodes UTF-8 and evaluates expressions per request', async () => {
    const ctx = await runInbound(basic({ username: '@(request.headers["x-user"])', password: 'pässword' }), {
      headers: ['x-user', 'zoë'],
    });
    expect(decode(ctx.request.headers.first('authorization'))).toBe('zoë:pässword');
  });

  it('refuses a computed user name holding a colon, which would change the user the backend sees', async () => {
    const ctx = await runInbound(basic({ username: '@(request.headers["x-user"])', password: 'p' }), {
      headers: ['x-user', 'admin:x'],
    });
    expect(ctx.response?.status).toBe(500);
    expect(ctx.lastError).toMatchObject({ source: 'authentication-basic', reason: 'username-invalid' });
  });
});
