import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_COOKIE, SESSION_COOKIE } from '../src/auth/cookies.js';
import { THROTTLE } from '../src/auth/throttle.js';
import { sessions, tenantMembers } from '../src/db/schema/index.js';
import { PASSWORD, addMember, createHarness, errorOf, signUp, uniqueEmail, type Harness } from './harness.js';

describe('identity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('sign-up creates the user, a tenant it owns and a default workspace, and signs in', async () => {
    const client = h.client();
    const email = uniqueEmail();
    const out = await client.call((c) =>
      c.auth.signUp({ email: `  ${email.toUpperCase()} `, password: PASSWORD, name: 'Ada', organization: 'Analytical Engines' }),
    );
    expect(out.user.email).toBe(email);
    expect(out.tenant).toMatchObject({ name: 'Analytical Engines', slug: 'analytical-engines', plan: 'free' });
    expect(out.workspace).toMatchObject({ name: 'Default', isDefault: true });
    expect(client.cookies.get(SESSION_COOKIE)).toBeTruthy();
    expect(out.csrfToken).toBe(client.cookies.get(CSRF_COOKIE));
    const session = await client.call((c) => c.auth.session());
    expect(session).toMatchObject({
      tenantId: out.tenant.id,
      via: 'session',
      memberships: [{ tenantId: out.tenant.id, role: 'owner' }],
    });
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const first = await signUp(h);
    const error = await errorOf(
      h
        .client()
        .call((c) => c.auth.signUp({ email: first.email.toUpperCase(), password: PASSWORD, name: 'B', organization: 'B' })),
    );
    expect(error).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { email: ['Already registered'] } });
  });

  it('gives a second tenant with the same name its own slug', async () => {
    const one = await signUp(h, 'Same Name Inc');
    const two = await signUp(h, 'Same Name Inc');
    const slugs = await Promise.all([one, two].map((s) => s.client.call((c) => c.tenants.get())));
    expect(slugs[0]!.slug).not.toBe(slugs[1]!.slug);
  });

  it('signs in, and signs out ending the session', async () => {
    const { email } = await signUp(h);
    const client = h.client();
    const out = await client.call((c) => c.auth.signIn({ email, password: PASSWORD }));
    expect(out.tenantId).toMatch(/^ten_/);
    await client.call((c) => c.auth.signOut());
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect((await errorOf(client.call((c) => c.auth.session()))).code).toBe('CP_ERR_UNAUTHENTICATED');
  });

  it('answers the same for an unknown account and a wrong password', async () => {
    const { email } = await signUp(h);
    const wrong = await errorOf(h.client().call((c) => c.auth.signIn({ email, password: 'not the password' })));
    const unknown = await errorOf(
      h.client().call((c) => c.auth.signIn({ email: uniqueEmail('nobody'), password: 'whatever it is' })),
    );
    expect(wrong).toEqual(unknown);
    expect(wrong).toEqual({ code: 'CP_ERR_INVALID_CREDENTIALS', message: 'Email or password is incorrect' });
  });

  it('requires the CSRF token on cookie-authenticated mutations, not on queries', async () => {
    const owner = await signUp(h);
    owner.client.sendCsrf = false;
    await expect(owner.client.call((c) => c.workspaces.list({}))).resolves.toBeDefined();
    expect((await errorOf(owner.client.call((c) => c.workspaces.create({ name: 'No CSRF' })))).code).toBe('CP_ERR_CSRF');
    owner.client.cookies.set(CSRF_COOKIE, 'forged');
    owner.client.sendCsrf = true;
    expect((await errorOf(owner.client.call((c) => c.workspaces.create({ name: 'Forged CSRF' })))).code).toBe('CP_ERR_CSRF');
  });

  it('an expired session is refused with a clear message', async () => {
    const owner = await signUp(h);
    await h.deps.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.userId, owner.userId));
    expect(await errorOf(owner.client.call((c) => c.auth.session()))).toMatchObject({
      code: 'CP_ERR_UNAUTHENTICATED',
      message: 'Your session has expired; sign in again',
    });
  });

  it('switches between tenants the user belongs to', async () => {
    const first = await signUp(h, 'First');
    const second = await signUp(h, 'Second');
    const joined = await addMember(h, second, 'admin');
    // The invitee signs up its own tenant too, then acts in either.
    await joined.client.call((c) => c.auth.switchTenant({ tenantId: second.tenantId }));
    expect((await joined.client.call((c) => c.tenants.get())).id).toBe(second.tenantId);
    expect((await errorOf(joined.client.call((c) => c.auth.switchTenant({ tenantId: first.tenantId })))).code).toBe(
      'CP_ERR_NOT_FOUND',
    );
  });

  it('a removed member loses the tenant at once, on sessions and tokens', async () => {
    const owner = await signUp(h);
    const member = await addMember(h, owner, 'member');
    const token = await member.client.call((c) => c.tokens.create({ name: 'ci' }));
    const tokenClient = h.client();
    tokenClient.bearer = token.token;
    await expect(tokenClient.call((c) => c.tenants.get())).resolves.toMatchObject({ id: owner.tenantId });
    await owner.client.call((c) => c.members.remove({ userId: member.userId }));
    expect((await errorOf(member.client.call((c) => c.tenants.get()))).code).toBe('CP_ERR_FORBIDDEN');
    expect((await errorOf(tokenClient.call((c) => c.tenants.get()))).code).toBe('CP_ERR_UNAUTHENTICATED');
    expect(await h.deps.db.select().from(tenantMembers).where(eq(tenantMembers.userId, member.userId))).toEqual([]);
  });

  it('changing the password ends other sessions and the old password stops working', async () => {
    const owner = await signUp(h);
    const other = h.client();
    await other.call((c) => c.auth.signIn({ email: owner.email, password: PASSWORD }));
    await owner.client.call((c) => c.auth.changePassword({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' }));
    expect((await errorOf(other.call((c) => c.auth.session()))).code).toBe('CP_ERR_UNAUTHENTICATED');
    await expect(owner.client.call((c) => c.auth.session())).resolves.toBeDefined();
    expect((await errorOf(h.client().call((c) => c.auth.signIn({ email: owner.email, password: PASSWORD })))).code).toBe(
      'CP_ERR_INVALID_CREDENTIALS',
    );
    await expect(
      h.client().call((c) => c.auth.signIn({ email: owner.email, password: 'a brand new passphrase' })),
    ).resolves.toBeDefined();
  });
});

describe('personal access tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('are shown once, work as Bearer, need no CSRF, and stop working when revoked', async () => {
    const owner = await signUp(h);
    const created = await owner.client.call((c) => c.tokens.create({ name: 'deploy', expiresInDays: 30 }));
    expect(created.token).toMatch(/^ptk_[\w-]{43}$/);
    const listed = await owner.client.call((c) => c.tokens.list({}));
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed.items[0]).toMatchObject({
      id: created.id,
      name: 'deploy',
      prefix: created.token.slice(0, 10),
      revokedAt: null,
    });

    const automation = h.client();
    automation.bearer = created.token;
    const ws = await automation.call((c) => c.workspaces.create({ name: 'From CI' }));
    const audit = await owner.client.call((c) => c.audit.list({ targetId: ws.id }));
    expect(audit.items[0]).toMatchObject({ action: 'workspace.create', actorId: owner.userId, actorVia: `token:${created.id}` });

    await owner.client.call((c) => c.tokens.revoke({ tokenId: created.id }));
    expect(await errorOf(automation.call((c) => c.workspaces.list({})))).toMatchObject({
      code: 'CP_ERR_UNAUTHENTICATED',
      message: 'The access token is not valid or has been revoked',
    });
  });

  it('expire', async () => {
    const owner = await signUp(h);
    const created = await owner.client.call((c) => c.tokens.create({ name: 'short', expiresInDays: 1 }));
    const { personalAccessTokens } = await import('../src/db/schema/index.js');
    await h.deps.db
      .update(personalAccessTokens)
      .set({ expiresAt: new Date(Date.now() - 1) })
      .where(eq(personalAccessTokens.id, created.id));
    const automation = h.client();
    automation.bearer = created.token;
    expect((await errorOf(automation.call((c) => c.tenants.get()))).message).toBe('The access token has expired');
  });

  it('a malformed Authorization header is refused, not ignored', async () => {
    const client = h.client();
    const ctx = await client.context();
    expect(ctx.actor).toBeNull();
    client.bearer = 'ptk_unknown';
    expect((await errorOf(client.call((c) => c.auth.session()))).code).toBe('CP_ERR_UNAUTHENTICATED');
  });
});

describe('sign-in throttling', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it(`locks an account after ${THROTTLE.maxAccountFailures} failures, even for the right password, from any IP`, async () => {
    const { email } = await signUp(h);
    for (let i = 0; i < THROTTLE.maxAccountFailures; i++) {
      const client = h.client(); // a new IP each time: the account lock must not depend on it
      expect((await errorOf(client.call((c) => c.auth.signIn({ email, password: `wrong ${i}` })))).code).toBe(
        'CP_ERR_INVALID_CREDENTIALS',
      );
    }
    const locked = await errorOf(h.client().call((c) => c.auth.signIn({ email, password: PASSWORD })));
    expect(locked.code).toBe('CP_ERR_TOO_MANY_REQUESTS');
    expect(locked.retryAfterSeconds).toBeGreaterThan(THROTTLE.lockSeconds - 60);
    // Another account is unaffected.
    const other = await signUp(h);
    await expect(h.client().call((c) => c.auth.signIn({ email: other.email, password: PASSWORD }))).resolves.toBeDefined();
  });

  it(`locks an IP after ${THROTTLE.maxIpFailures} failures across accounts`, async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < THROTTLE.maxIpFailures; i++) {
      const error = await errorOf(
        h.client({ ip }).call((c) => c.auth.signIn({ email: `spray-${i}@example.com`, password: 'Winter2026!' })),
      );
      expect(error.code).toBe('CP_ERR_INVALID_CREDENTIALS');
    }
    const { email } = await signUp(h);
    expect((await errorOf(h.client({ ip }).call((c) => c.auth.signIn({ email, password: PASSWORD })))).code).toBe(
      'CP_ERR_TOO_MANY_REQUESTS',
    );
    await expect(h.client({ ip: '192.0.2.78' }).call((c) => c.auth.signIn({ email, password: PASSWORD }))).resolves.toBeDefined();
  });

  it('a successful sign-in clears the account counter', async () => {
    const { email } = await signUp(h);
    for (let i = 0; i < THROTTLE.maxAccountFailures - 1; i++) {
      await errorOf(h.client().call((c) => c.auth.signIn({ email, password: 'wrong' })));
    }
    await h.client().call((c) => c.auth.signIn({ email, password: PASSWORD }));
    for (let i = 0; i < THROTTLE.maxAccountFailures - 1; i++) {
      expect((await errorOf(h.client().call((c) => c.auth.signIn({ email, password: 'wrong' })))).code).toBe(
        'CP_ERR_INVALID_CREDENTIALS',
      );
    }
  });
});
