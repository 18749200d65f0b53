import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { createLogger } from '../src/lib/logger.js';
import { LogCapture, PASSWORD, createHarness, testConfig, type Harness } from './harness.js';
import { HttpClient } from './http-client.js';

/**
 * A full tour over real HTTP with the logger captured: every secret the tour handles is
 * collected, then searched for in the logs, in every later response and in the database.
 */
describe('secrets', () => {
  let h: Harness;
  let cp: ControlPlane;
  let base: string;
  const logs = new LogCapture();

  async function start(publicUrl?: string) {
    const config = testConfig({ databaseUrl: h.database.url, port: 0, host: '127.0.0.1', ...(publicUrl ? { publicUrl } : {}) });
    const plane = await createControlPlane(config, createLogger('debug', logs), { ...h.database, close: async () => {} });
    const port = await plane.listen();
    return { plane, base: `http://127.0.0.1:${port}` };
  }

  beforeAll(async () => {
    h = await createHarness();
    ({ plane: cp, base } = await start());
  });
  afterAll(async () => {
    await cp.close();
    await h.close();
  });

  it('never appear in logs, later responses or the database in clear', async () => {
    const secrets: string[] = [PASSWORD];
    const later: string[] = [];
    const owner = new HttpClient(base);
    const signUp = await owner.request('POST', '/api/v1/auth/sign-up', {
      email: 'tour@example.com',
      password: PASSWORD,
      name: 'Tour',
      organization: 'Tour',
    });
    expect(signUp.status).toBe(200);
    secrets.push(owner.cookies.get('portico_session')!);

    const token = await owner.request('POST', '/api/v1/tokens', { name: 'ci' });
    expect(token.status).toBe(200);
    secrets.push(token.json.token as string);

    const invite = await owner.request('POST', '/api/v1/invitations', { email: 'invitee@example.com', role: 'admin' });
    expect(invite.status).toBe(200);
    const invitationToken = new URL(invite.json.acceptUrl as string).searchParams.get('token')!;
    secrets.push(invitationToken);

    const invitee = new HttpClient(base);
    const newPassword = 'the invitee chose this one';
    secrets.push(newPassword);
    expect(
      (
        await invitee.request('POST', '/api/v1/auth/accept-invitation', {
          token: invitationToken,
          password: newPassword,
          name: 'Invitee',
        })
      ).status,
    ).toBe(200);
    secrets.push(invitee.cookies.get('portico_session')!);

    const changed = 'and later changed it to this';
    secrets.push(changed);
    expect(
      (await invitee.request('POST', '/api/v1/auth/change-password', { currentPassword: newPassword, newPassword: changed }))
        .status,
    ).toBe(200);
    const failed = await new HttpClient(base).request('POST', '/api/v1/auth/sign-in', {
      email: 'tour@example.com',
      password: 'a wrong guess that is secret',
    });
    expect(failed.status).toBe(401);
    secrets.push('a wrong guess that is secret');

    const automation = new HttpClient(base);
    automation.bearer = token.json.token as string;
    later.push((await automation.request('GET', '/api/v1/auth/session')).text);
    later.push((await automation.request('GET', '/api/v1/tokens')).text);
    later.push((await automation.request('GET', '/api/v1/audit-log?limit=100')).text);
    later.push((await automation.request('GET', '/api/v1/invitations')).text);
    later.push((await automation.request('GET', '/api/v1/members')).text);
    later.push((await owner.request('GET', '/api/v1/auth/session')).text);
    expect(later.every((text) => text.length > 20)).toBe(true);

    const dump = await h.deps.db.execute(sql`
      select string_agg(t::text, E'\n') as text from (
        select row_to_json(x)::text as t from (select * from users) x
        union all select row_to_json(x)::text from (select * from sessions) x
        union all select row_to_json(x)::text from (select * from personal_access_tokens) x
        union all select row_to_json(x)::text from (select * from invitations) x
        union all select row_to_json(x)::text from (select * from email_outbox) x
        union all select row_to_json(x)::text from (select * from audit_log) x
      ) rows`);
    const database = (dump as { text: string }[])[0]!.text;
    expect(database.length).toBeGreaterThan(1000);
    expect(logs.lines.length).toBeGreaterThan(10);

    for (const secret of secrets) {
      expect(logs.text, 'logs').not.toContain(secret);
      for (const text of later) expect(text, 'a later response').not.toContain(secret);
      expect(database, 'the database').not.toContain(secret);
    }
  });

  it('sets session cookies HttpOnly and SameSite, and the CSRF cookie readable by the page', async () => {
    const client = new HttpClient(base);
    await client.request('POST', '/api/v1/auth/sign-up', {
      email: 'cookies@example.com',
      password: PASSWORD,
      name: 'C',
      organization: 'C',
    });
    const session = client.setCookieHeaders.find((c) => c.startsWith('portico_session='))!;
    const csrf = client.setCookieHeaders.find((c) => c.startsWith('portico_csrf='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Path=\//);
    expect(session).not.toMatch(/; Secure/); // plain http public URL (local development)
    expect(csrf).not.toMatch(/HttpOnly/);
    expect(csrf).toMatch(/; SameSite=Lax/);

    await client.request('POST', '/api/v1/auth/sign-out');
    const cleared = client.setCookieHeaders.filter((c) => /Max-Age=0/.test(c)).map((c) => c.split('=')[0]);
    expect(cleared.sort()).toEqual(['portico_csrf', 'portico_session']);
  });

  it('marks cookies Secure when served over https', async () => {
    const { plane, base: httpsBase } = await start('https://portico.example.com');
    try {
      const client = new HttpClient(httpsBase);
      await client.request('POST', '/api/v1/auth/sign-up', {
        email: 'secure@example.com',
        password: PASSWORD,
        name: 'S',
        organization: 'S',
      });
      for (const cookie of client.setCookieHeaders) expect(cookie).toMatch(/; Secure/);
    } finally {
      await plane.close();
    }
  });

  it('never sends a stack trace or internal message to the caller', async () => {
    const res = await new HttpClient(base).request('GET', '/api/v1/workspaces/ws_0123456789abcdefghjk');
    expect(res.status).toBe(401);
    expect(res.text).not.toMatch(/stack|\.ts:\d+/);
    const trpc = await new HttpClient(base).request('GET', '/trpc/workspaces.list');
    expect(trpc.status).toBe(401);
    expect(trpc.text).not.toMatch(/"stack"|\.ts:\d+/);
  });
});
