import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenants, workspaces } from '../src/db/schema/index.js';
import { PASSWORD, addMember, createHarness, errorBodyOf, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { invoke, listProcedures } from './procedures.js';

type Role = 'tenant:owner' | 'tenant:admin' | 'tenant:member' | 'tenant:developer' | 'ws:owner' | 'ws:contributor' | 'ws:reader';
const ROLES: Role[] = [
  'tenant:owner',
  'tenant:admin',
  'tenant:member',
  'tenant:developer',
  'ws:owner',
  'ws:contributor',
  'ws:reader',
];
const ALL = ROLES;
const ADMINS: Role[] = ['tenant:owner', 'tenant:admin'];
const WS_ANY: Role[] = [...ADMINS, 'ws:owner', 'ws:contributor', 'ws:reader'];
const TENANT_MEMBERS: Role[] = ['tenant:owner', 'tenant:admin', 'tenant:member', 'ws:owner', 'ws:contributor', 'ws:reader'];

interface Fixture {
  h: Harness;
  owner: SignedUp;
  actor: SignedUp;
  /** A workspace the actor's workspace role applies to. */
  workspaceId: string;
  /** A tenant member the actor may act on. */
  targetUserId: string;
  invitationId: string;
  tokenId: string;
}

/**
 * The expected matrix, written out by hand so a change in the policy shows up here. Rows run in
 * this order against one fixture per role: reads, then changes, then removals, then sign-out.
 */
const MATRIX: { path: string; allowed: Role[]; input: (f: Fixture) => unknown }[] = [
  { path: 'auth.session', allowed: ALL, input: () => undefined },
  { path: 'tenants.get', allowed: ALL, input: () => undefined },
  { path: 'workspaces.list', allowed: ALL, input: () => ({}) },
  { path: 'workspaces.get', allowed: WS_ANY, input: (f) => ({ workspaceId: f.workspaceId }) },
  { path: 'members.list', allowed: TENANT_MEMBERS, input: () => ({}) },
  { path: 'members.listInvitations', allowed: ADMINS, input: () => ({}) },
  { path: 'members.listWorkspaceMembers', allowed: WS_ANY, input: (f) => ({ workspaceId: f.workspaceId }) },
  { path: 'tokens.list', allowed: ALL, input: () => ({}) },
  { path: 'audit.list', allowed: ADMINS, input: () => ({}) },
  {
    path: 'tenants.update',
    allowed: ADMINS,
    input: async (f) => {
      const [t] = await f.h.deps.db.select().from(tenants).where(eq(tenants.id, f.owner.tenantId));
      return { version: t!.version, name: 'Renamed tenant' };
    },
  },
  { path: 'workspaces.create', allowed: ADMINS, input: () => ({ name: `Created ${Math.random().toString(36).slice(2)}` }) },
  {
    path: 'workspaces.update',
    allowed: [...ADMINS, 'ws:owner'],
    input: async (f) => {
      const [w] = await f.h.deps.db.select().from(workspaces).where(eq(workspaces.id, f.workspaceId));
      return { workspaceId: f.workspaceId, version: w!.version, description: 'Updated' };
    },
  },
  {
    path: 'members.invite',
    allowed: ADMINS,
    input: () => ({ email: `invitee-${Math.random().toString(36).slice(2)}@example.com` }),
  },
  { path: 'members.updateRole', allowed: ADMINS, input: (f) => ({ userId: f.targetUserId, role: 'developer' }) },
  {
    path: 'members.setWorkspaceMember',
    allowed: [...ADMINS, 'ws:owner'],
    input: (f) => ({ workspaceId: f.workspaceId, userId: f.targetUserId, role: 'contributor' }),
  },
  { path: 'tokens.create', allowed: ALL, input: () => ({ name: 'matrix' }) },
  { path: 'auth.switchTenant', allowed: ALL, input: (f) => ({ tenantId: f.owner.tenantId }) },
  { path: 'auth.changePassword', allowed: ALL, input: () => ({ currentPassword: PASSWORD, newPassword: PASSWORD }) },
  {
    path: 'members.removeWorkspaceMember',
    allowed: [...ADMINS, 'ws:owner'],
    input: (f) => ({ workspaceId: f.workspaceId, userId: f.targetUserId }),
  },
  { path: 'members.revokeInvitation', allowed: ADMINS, input: (f) => ({ invitationId: f.invitationId }) },
  { path: 'tokens.revoke', allowed: ALL, input: (f) => ({ tokenId: f.tokenId }) },
  { path: 'members.remove', allowed: ADMINS, input: (f) => ({ userId: f.targetUserId }) },
  { path: 'workspaces.delete', allowed: ADMINS, input: (f) => ({ workspaceId: f.workspaceId }) },
  { path: 'auth.signOut', allowed: ALL, input: () => undefined },
];

describe('role matrix', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('covers every procedure that needs a signed-in caller', () => {
    const needsAuth = listProcedures()
      .filter((p) => p.meta?.permission?.scope !== 'public')
      .map((p) => p.path)
      .sort();
    expect(MATRIX.map((row) => row.path).sort()).toEqual(needsAuth);
  });

  async function fixture(role: Role): Promise<Fixture> {
    const owner = await signUp(h, `Matrix ${role}`, 'matrix-owner');
    const ws = await owner.client.call((c) => c.workspaces.create({ name: 'Matrix team' }));
    const [scope, name] = role.split(':') as ['tenant' | 'ws', string];
    const actor =
      scope === 'tenant'
        ? name === 'owner'
          ? owner
          : await addMember(h, owner, name as 'admin' | 'member' | 'developer')
        : await addMember(h, owner, 'member', { workspaceId: ws.id, workspaceRole: name as 'owner' | 'contributor' | 'reader' });
    const target = await addMember(h, owner, 'member', { workspaceId: ws.id, workspaceRole: 'reader' }, 'target');
    const invitation = await owner.client.call((c) =>
      c.members.invite({ email: `pending-${Math.random().toString(36).slice(2)}@example.com` }),
    );
    const token = await actor.client.call((c) => c.tokens.create({ name: 'to revoke' }));
    return { h, owner, actor, workspaceId: ws.id, targetUserId: target.userId, invitationId: invitation.id, tokenId: token.id };
  }

  it.each(ROLES)('%s may do exactly what the matrix says', async (role) => {
    const f = await fixture(role);
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const row of MATRIX) {
      const allowed = row.allowed.includes(role);
      expected.push(`${row.path}: ${allowed ? 'ok' : 'CP_ERR_FORBIDDEN'}`);
      const input = await row.input(f);
      try {
        await f.actor.client.call((c) => invoke(c, row.path, input));
        outcomes.push(`${row.path}: ok`);
      } catch (error) {
        const body = errorBodyOf(error);
        outcomes.push(`${row.path}: ${body.code}${body.code === 'CP_ERR_FORBIDDEN' ? '' : ` (${body.message})`}`);
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it('a workspace role gives no rights in another workspace of the tenant', async () => {
    const owner = await signUp(h, 'Two workspaces', 'two-ws-owner');
    const mine = await owner.client.call((c) => c.workspaces.create({ name: 'Mine' }));
    const other = await owner.client.call((c) => c.workspaces.create({ name: 'Other' }));
    const wsOwner = await addMember(h, owner, 'member', { workspaceId: mine.id, workspaceRole: 'owner' });
    await expect(wsOwner.client.call((c) => c.workspaces.get({ workspaceId: mine.id }))).resolves.toMatchObject({ id: mine.id });
    expect((await errorOf(wsOwner.client.call((c) => c.workspaces.get({ workspaceId: other.id })))).code).toBe(
      'CP_ERR_FORBIDDEN',
    );
    const listed = await wsOwner.client.call((c) => c.workspaces.list({}));
    expect(listed.items.map((w) => w.id)).toEqual([mine.id]);
  });

  it('only owners grant, change or remove the owner role', async () => {
    const owner = await signUp(h, 'Owners only', 'owners-owner');
    const admin = await addMember(h, owner, 'admin');
    const member = await addMember(h, owner, 'member');
    expect((await errorOf(admin.client.call((c) => c.members.updateRole({ userId: member.userId, role: 'owner' })))).code).toBe(
      'CP_ERR_FORBIDDEN',
    );
    expect((await errorOf(admin.client.call((c) => c.members.remove({ userId: owner.userId })))).code).toBe('CP_ERR_FORBIDDEN');
    expect(
      (await errorOf(admin.client.call((c) => c.members.invite({ email: 'x-owner@example.com', role: 'owner' })))).code,
    ).toBe('CP_ERR_FORBIDDEN');
    // The last owner can neither leave nor be demoted.
    expect((await errorOf(owner.client.call((c) => c.members.updateRole({ userId: owner.userId, role: 'admin' })))).code).toBe(
      'CP_ERR_CONFLICT',
    );
    await owner.client.call((c) => c.members.updateRole({ userId: admin.userId, role: 'owner' }));
    await owner.client.call((c) => c.members.updateRole({ userId: owner.userId, role: 'admin' }));
    const roles = await admin.client.call((c) => c.members.list({}));
    expect(Object.fromEntries(roles.items.map((m) => [m.userId, m.role]))).toMatchObject({
      [owner.userId]: 'admin',
      [admin.userId]: 'owner',
    });
  });
});
