import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { listProcedures } from './procedures.js';

describe('audit log', () => {
  let h: Harness;
  let owner: SignedUp;
  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Audited');
  });
  afterAll(() => h.close());

  it('records who changed what, with a diff, in the order it happened', async () => {
    const ws = await owner.client.call((c) => c.workspaces.create({ name: 'Billing' }));
    await owner.client.call((c) => c.workspaces.update({ workspaceId: ws.id, version: ws.version, name: 'Billing & Invoicing' }));
    const page = await owner.client.call((c) => c.audit.list({ targetId: ws.id }));
    expect(page.items.map((e) => e.action)).toEqual(['workspace.update', 'workspace.create']);
    expect(page.items[0]).toMatchObject({
      actorId: owner.userId,
      workspaceId: ws.id,
      diff: { name: ['Billing', 'Billing & Invoicing'] },
      ip: expect.any(String) as string,
      requestId: expect.any(String) as string,
    });
  });

  it('every successful mutation writes its audit row', async () => {
    // Mutations a signed-in user can run on its own; the public ones are covered in auth tests.
    const before = (await owner.client.call((c) => c.audit.list({ limit: 100 }))).items.length;
    const ws = await owner.client.call((c) => c.workspaces.create({ name: 'Counted' }));
    const member = await addMember(h, owner, 'member');
    await owner.client.call((c) => c.members.setWorkspaceMember({ workspaceId: ws.id, userId: member.userId, role: 'reader' }));
    await owner.client.call((c) => c.members.removeWorkspaceMember({ workspaceId: ws.id, userId: member.userId }));
    await owner.client.call((c) => c.members.updateRole({ userId: member.userId, role: 'admin' }));
    await owner.client.call((c) => c.members.remove({ userId: member.userId }));
    const token = await owner.client.call((c) => c.tokens.create({ name: 't' }));
    await owner.client.call((c) => c.tokens.revoke({ tokenId: token.id }));
    const tenant = await owner.client.call((c) => c.tenants.get());
    await owner.client.call((c) => c.tenants.update({ version: tenant.version, name: 'Audited Inc' }));
    await owner.client.call((c) => c.workspaces.delete({ workspaceId: ws.id }));
    const actions = (await owner.client.call((c) => c.audit.list({ limit: 100 }))).items.map((e) => e.action);
    expect(actions.slice(0, actions.length - before).reverse()).toEqual([
      'workspace.create',
      'invitation.create',
      'invitation.accept',
      'workspace_member.set',
      'workspace_member.remove',
      'member.update_role',
      'member.remove',
      'token.create',
      'token.revoke',
      'tenant.update',
      'workspace.delete',
    ]);
  });

  it('pages with a cursor and no duplicates or gaps', async () => {
    const tenant = await signUp(h, 'Paged');
    for (let i = 0; i < 7; i++) await tenant.client.call((c) => c.workspaces.create({ name: `WS ${i}` }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await tenant.client.call((c) =>
        c.audit.list({ limit: 3, action: 'workspace.create', ...(cursor ? { cursor } : {}) }),
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('filters by actor, workspace and time', async () => {
    const tenant = await signUp(h, 'Filtered');
    const admin = await addMember(h, tenant, 'admin');
    const ws = await admin.client.call((c) => c.workspaces.create({ name: 'By admin' }));
    const byAdmin = await tenant.client.call((c) => c.audit.list({ actorId: admin.userId }));
    expect(byAdmin.items.map((e) => e.action)).toEqual(['workspace.create', 'invitation.accept']);
    const inWs = await tenant.client.call((c) => c.audit.list({ workspaceId: ws.id }));
    expect(inWs.items).toHaveLength(1);
    const future = await tenant.client.call((c) => c.audit.list({ from: new Date(Date.now() + 60_000).toISOString() }));
    expect(future.items).toEqual([]);
    const past = await tenant.client.call((c) => c.audit.list({ to: new Date(Date.now() - 3_600_000).toISOString() }));
    expect(past.items).toEqual([]);
  });

  it('rejects a cursor it did not make', async () => {
    expect(await errorOf(owner.client.call((c) => c.audit.list({ cursor: 'garbage' })))).toMatchObject({
      code: 'CP_ERR_VALIDATION',
      fields: { cursor: ['Not a cursor returned by this list'] },
    });
  });

  it('every list procedure takes limit and cursor and returns nextCursor', () => {
    const lists = listProcedures().filter((p) => p.type === 'query' && /\.list/.test(p.path));
    expect(lists.length).toBeGreaterThanOrEqual(6);
    for (const p of lists)
      expect(Object.keys(p.input?.properties ?? {}), p.path).toEqual(expect.arrayContaining(['limit', 'cursor']));
  });
});
