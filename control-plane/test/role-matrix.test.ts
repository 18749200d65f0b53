import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createHarness, errorBodyOf, errorOf, signUp, type Harness } from './harness.js';
import { createCatalogEntities } from './entities.js';
import { invoke, listProcedures, sampleInput, type ProcedureInfo } from './procedures.js';

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
const WS_WRITERS: Role[] = [...ADMINS, 'ws:owner', 'ws:contributor'];
const TENANT_MEMBERS: Role[] = ['tenant:owner', 'tenant:admin', 'tenant:member', 'ws:owner', 'ws:contributor', 'ws:reader'];

/**
 * What each role may do, per (scope, object, action) — the spec, written independently of
 * src/authz/permissions.ts so a change there shows up here. Procedures map onto it through the
 * permission they declare, so every procedure, including ones added later, is checked.
 */
const RIGHTS: Record<string, Role[]> = {
  'tenant:tenant:read': ALL,
  'tenant:tenant:update': ADMINS,
  'tenant:workspace:create': ADMINS,
  'tenant:member:read': TENANT_MEMBERS,
  'tenant:member:create': ADMINS,
  'tenant:member:update': ADMINS,
  'tenant:member:delete': ADMINS,
  'tenant:invitation:read': ADMINS,
  'tenant:invitation:create': ADMINS,
  'tenant:invitation:delete': ADMINS,
  'tenant:token:manage': ALL,
  'tenant:audit:read': ADMINS,
  'workspace:workspace:read': WS_ANY,
  'workspace:workspace:update': [...ADMINS, 'ws:owner'],
  'workspace:workspace:delete': ADMINS,
  'workspace:workspace-member:read': WS_ANY,
  'workspace:workspace-member:manage': [...ADMINS, 'ws:owner'],
  'workspace:api:read': WS_ANY,
  'workspace:api:create': WS_WRITERS,
  'workspace:api:update': WS_WRITERS,
  'workspace:api:delete': WS_WRITERS,
  'workspace:backend:read': WS_ANY,
  'workspace:backend:create': WS_WRITERS,
  'workspace:backend:update': WS_WRITERS,
  'workspace:backend:delete': WS_WRITERS,
  'tenant:gateway:read': TENANT_MEMBERS,
  'tenant:gateway:create': ADMINS,
  'tenant:gateway:update': ADMINS,
  'tenant:gateway:delete': ADMINS,
  'workspace:product:read': WS_ANY,
  'workspace:product:create': WS_WRITERS,
  'workspace:product:update': WS_WRITERS,
  'workspace:product:delete': WS_WRITERS,
  'workspace:subscription:read': WS_ANY,
  'workspace:subscription:create': WS_WRITERS,
  'workspace:subscription:update': WS_WRITERS,
  'workspace:subscription:delete': WS_WRITERS,
  'tenant:group:read': TENANT_MEMBERS,
  'tenant:group:create': ADMINS,
  'tenant:group:update': ADMINS,
  'tenant:group:delete': ADMINS,
  'workspace:policy:read': WS_ANY,
  'workspace:policy:create': WS_WRITERS,
  'workspace:policy:update': WS_WRITERS,
  'workspace:policy:delete': WS_WRITERS,
  'workspace:named-value:read': WS_ANY,
  'workspace:named-value:create': WS_WRITERS,
  'workspace:named-value:update': WS_WRITERS,
  'workspace:named-value:delete': WS_WRITERS,
  'tenant:global-policy:read': ADMINS,
  'tenant:global-policy:update': ADMINS,
  'tenant:global-policy:delete': ADMINS,
  'tenant:developer-portal:read': ALL,
  'tenant:developer-portal:manage': ALL,
};

const procedures = listProcedures().filter((p) => p.meta?.permission?.scope !== 'public');

function allowedRoles(p: ProcedureInfo): Role[] {
  const permission = p.meta!.permission!;
  if (permission.scope === 'public' || permission.scope === 'authenticated') return ALL;
  const key = `${permission.scope}:${permission.object}:${permission.action}`;
  const roles = RIGHTS[key];
  if (!roles) throw new Error(`${p.path} needs ${key}: say in RIGHTS which roles hold it`);
  return roles;
}

/**
 * Reads first, then changes, then removals, the workspace's own deletion, and sign-out last:
 * one fixture serves every call, and nothing a call needs is gone before it runs.
 */
function rank(p: ProcedureInfo): number {
  const permission = p.meta!.permission!;
  if (p.type === 'query') return 0;
  if (p.path === 'auth.signOut') return 4;
  if (permission.scope === 'workspace' && permission.object === 'workspace' && permission.action === 'delete') return 3;
  if (/\.(remove|revoke|delete)/.test(p.path)) return 2;
  return 1;
}
const ordered = [...procedures].sort((a, b) => rank(a) - rank(b));

describe('role matrix', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('knows the rights of every permission a procedure declares', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(20);
    for (const p of procedures) expect(() => allowedRoles(p), p.path).not.toThrow();
  });

  /** A tenant with a workspace, a member to act on, a pending invitation and the actor's own token. */
  async function fixture(role: Role) {
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
    const catalog = await createCatalogEntities(owner.client, ws.id);
    return { actor, ids: { ten: owner.tenantId, ws: ws.id, usr: target.userId, inv: invitation.id, pat: token.id, ...catalog } };
  }

  it.each(ROLES)('%s is allowed exactly what RIGHTS says, on every procedure', async (role) => {
    const { actor, ids } = await fixture(role);
    const outcomes: string[] = [];
    const expected: string[] = [];
    let succeeded = 0;
    for (const p of ordered) {
      expected.push(`${p.path}: ${allowedRoles(p).includes(role) ? 'allowed' : 'forbidden'}`);
      try {
        await actor.client.call((c) => invoke(c, p.path, sampleInput(p.input, ids)));
        succeeded++;
        outcomes.push(`${p.path}: allowed`);
      } catch (error) {
        const { code, message } = errorBodyOf(error);
        // Another refusal (a sample value the handler rejects) still means the role got past
        // authorization; but a lost session would hide the answer: a broken fixture, not a pass.
        expect(['CP_ERR_UNAUTHENTICATED', 'CP_ERR_CSRF', 'CP_ERR_INTERNAL'], `${p.path}: ${message}`).not.toContain(code);
        outcomes.push(`${p.path}: ${code === 'CP_ERR_FORBIDDEN' ? 'forbidden' : 'allowed'}`);
      }
    }
    expect(outcomes).toEqual(expected);
    // Most allowed calls really ran: the generated inputs are valid, not just authorized.
    expect(succeeded).toBeGreaterThanOrEqual(expected.filter((e) => e.endsWith('allowed')).length * 0.6);
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
