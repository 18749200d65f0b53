import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailOutbox, invitations } from '../src/db/schema/index.js';
import { createLogger } from '../src/lib/logger.js';
import { SecretBox } from '../src/lib/secrets.js';
import { createMailer } from '../src/mail/mailer.js';
import {
  LogCapture,
  PASSWORD,
  addMember,
  createHarness,
  errorOf,
  signUp,
  uniqueEmail,
  type Harness,
  type SignedUp,
} from './harness.js';

function tokenOf(acceptUrl: string): string {
  return new URL(acceptUrl).searchParams.get('token')!;
}

describe('invitations', () => {
  let h: Harness;
  let owner: SignedUp;
  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Inviting');
  });
  afterAll(() => h.close());

  it('records the e-mail in the outbox and says so in the log, without the link', async () => {
    const email = uniqueEmail('invitee');
    const invite = await owner.client.call((c) => c.members.invite({ email, role: 'admin' }));
    const [row] = await h.deps.db.select().from(emailOutbox).where(eq(emailOutbox.id, invite.emailId));
    expect(row).toMatchObject({ to: email, reason: `invitation:${invite.id}`, sentAt: null });
    expect(row!.sealedBody).not.toContain(tokenOf(invite.acceptUrl));
    const queued = await h.deps.mailer.read(invite.emailId);
    expect(queued?.text).toContain(invite.acceptUrl);
    expect(queued?.subject).toMatch(/invited you to Inviting on Portico/);
    const logLine = h.logs.lines.find((l) => l.includes(invite.emailId));
    expect(logLine).toContain('SMTP not configured');
    expect(logLine).toContain(email);
    expect(h.logs.text).not.toContain(tokenOf(invite.acceptUrl));
  });

  it('a new user accepts with a name and password and lands in the tenant with the role and workspace role', async () => {
    const ws = await owner.client.call((c) => c.workspaces.create({ name: 'Payments' }));
    const email = uniqueEmail('new');
    const invite = await owner.client.call((c) =>
      c.members.invite({ email, role: 'member', workspaceId: ws.id, workspaceRole: 'contributor' }),
    );
    const client = h.client();
    const missingName = await errorOf(
      client.call((c) => c.auth.acceptInvitation({ token: tokenOf(invite.acceptUrl), password: PASSWORD })),
    );
    expect(missingName).toMatchObject({ code: 'CP_ERR_VALIDATION', fields: { name: ['Required for a new account'] } });
    const accepted = await client.call((c) =>
      c.auth.acceptInvitation({ token: tokenOf(invite.acceptUrl), password: PASSWORD, name: 'New Person' }),
    );
    expect(accepted.tenantId).toBe(owner.tenantId);
    const wsMembers = await client.call((c) => c.members.listWorkspaceMembers({ workspaceId: ws.id }));
    expect(wsMembers.items).toMatchObject([{ email, role: 'contributor' }]);
    const again = await errorOf(
      h.client().call((c) => c.auth.acceptInvitation({ token: tokenOf(invite.acceptUrl), password: PASSWORD, name: 'Again' })),
    );
    expect(again.code).toBe('CP_ERR_NOT_FOUND');
  });

  it('an existing user accepts with their own password', async () => {
    const other = await signUp(h, 'Elsewhere', 'existing');
    const invite = await owner.client.call((c) => c.members.invite({ email: other.email }));
    const wrong = await errorOf(
      h.client().call((c) => c.auth.acceptInvitation({ token: tokenOf(invite.acceptUrl), password: 'not theirs at all' })),
    );
    expect(wrong).toMatchObject({ code: 'CP_ERR_INVALID_CREDENTIALS', fields: { password: ['Incorrect'] } });
    const client = h.client();
    await client.call((c) => c.auth.acceptInvitation({ token: tokenOf(invite.acceptUrl), password: PASSWORD }));
    const session = await client.call((c) => c.auth.session());
    expect(session.memberships.map((m) => m.tenantId).sort()).toEqual([other.tenantId, owner.tenantId].sort());
  });

  it('a revoked, replaced or expired invitation cannot be used', async () => {
    const email = uniqueEmail('revoked');
    const first = await owner.client.call((c) => c.members.invite({ email }));
    const second = await owner.client.call((c) => c.members.invite({ email }));
    expect(
      (
        await errorOf(
          h.client().call((c) => c.auth.acceptInvitation({ token: tokenOf(first.acceptUrl), password: PASSWORD, name: 'R' })),
        )
      ).code,
    ).toBe('CP_ERR_NOT_FOUND');
    const revoked = await owner.client.call((c) => c.members.revokeInvitation({ invitationId: second.id }));
    expect(revoked.state).toBe('revoked');
    expect(
      (
        await errorOf(
          h.client().call((c) => c.auth.acceptInvitation({ token: tokenOf(second.acceptUrl), password: PASSWORD, name: 'R' })),
        )
      ).code,
    ).toBe('CP_ERR_NOT_FOUND');

    const third = await owner.client.call((c) => c.members.invite({ email }));
    await h.deps.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.id, third.id));
    const listed = await owner.client.call((c) => c.members.listInvitations({}));
    expect(listed.items.find((i) => i.id === third.id)?.state).toBe('expired');
    expect(
      (
        await errorOf(
          h.client().call((c) => c.auth.acceptInvitation({ token: tokenOf(third.acceptUrl), password: PASSWORD, name: 'R' })),
        )
      ).code,
    ).toBe('CP_ERR_NOT_FOUND');
  });

  it('refuses to invite an existing member', async () => {
    const member = await addMember(h, owner, 'member');
    const error = await errorOf(owner.client.call((c) => c.members.invite({ email: member.email })));
    expect(error).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { email: ['Already a member'] } });
  });
});

describe('e-mail delivery over SMTP', () => {
  let server: SMTPServer;
  let port: number;
  const received: { to: string; data: string }[] = [];

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), data });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('delivers queued invitations and marks them sent; a failed delivery is retried later', async () => {
    const h = await createHarness();
    try {
      const owner = await signUp(h, 'Mailing');
      const email = uniqueEmail('smtp');
      const invite = await owner.client.call((c) => c.members.invite({ email }));
      const logs = new LogCapture();
      const box = new SecretBox(h.deps.config.secretKey);

      const down = createMailer({
        db: h.deps.db,
        logger: createLogger('info', logs),
        box,
        from: 'Portico <p@example.com>',
        transport: createTransport({ host: '127.0.0.1', port: 1, secure: false }),
      });
      expect(await down.deliverPending()).toBe(0);
      const [failed] = await h.deps.db.select().from(emailOutbox).where(eq(emailOutbox.id, invite.emailId));
      expect(failed).toMatchObject({ attempts: 1, sentAt: null });
      expect(failed!.lastError).toBeTruthy();

      const mailer = createMailer({
        db: h.deps.db,
        logger: createLogger('info', logs),
        box,
        from: 'Portico <p@example.com>',
        transport: createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }),
      });
      expect(await mailer.deliverPending()).toBe(1);
      expect(received).toHaveLength(1);
      expect(received[0]!.to).toBe(email);
      expect(received[0]!.data.replace(/=\r\n/g, '')).toContain(tokenOf(invite.acceptUrl));
      const [sent] = await h.deps.db.select().from(emailOutbox).where(eq(emailOutbox.id, invite.emailId));
      expect(sent!.sentAt).toBeInstanceOf(Date);
      expect(await mailer.deliverPending()).toBe(0);
      expect(logs.text).not.toContain(tokenOf(invite.acceptUrl));
    } finally {
      await h.close();
    }
  });
});
