import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

describe('groups', () => {
  let h: Harness;
  let owner: SignedUp;
  let admin: SignedUp;
  let member: SignedUp;
  let developer: SignedUp;
  let builtIn: Record<'administrators' | 'developers' | 'guests', { id: string; name: string; version: number }>;

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Groups');
    admin = await addMember(h, owner, 'admin');
    member = await addMember(h, owner, 'member');
    developer = await addMember(h, owner, 'developer');
    const page = await owner.client.call((c) => c.groups.list({}));
    builtIn = Object.fromEntries(page.items.filter((g) => g.builtIn).map((g) => [g.builtIn, g])) as typeof builtIn;
  });
  afterAll(() => h.close());

  it('every new tenant has the three built-in groups', async () => {
    const page = await owner.client.call((c) => c.groups.list({}));
    expect(page.items.map((g) => [g.name, g.builtIn]).sort()).toEqual([
      ['Administrators', 'administrators'],
      ['Developers', 'developers'],
      ['Guests', 'guests'],
    ]);
    const other = await signUp(h, 'Another tenant');
    const theirs = await other.client.call((c) => c.groups.list({}));
    expect(theirs.items).toHaveLength(3);
    expect(theirs.items.map((g) => g.id)).not.toContain(builtIn.developers.id);
  });

  it('built-in membership is implicit: administrators, developers, guests', async () => {
    const ids = async (groupId: string) =>
      (await member.client.call((c) => c.groups.listMembers({ groupId }))).items.map((m) => m.userId).sort();
    expect(await ids(builtIn.administrators.id)).toEqual([owner.userId, admin.userId].sort());
    expect(await ids(builtIn.developers.id)).toEqual([owner.userId, admin.userId, member.userId, developer.userId].sort());
    expect(await ids(builtIn.guests.id)).toEqual([]);
  });

  it('built-in groups cannot be renamed, deleted or given members, but can be described', async () => {
    const { id, version } = builtIn.developers;
    const renamed = await errorOf(owner.client.call((c) => c.groups.update({ groupId: id, version, name: 'Devs' })));
    expect(renamed).toMatchObject({ code: 'CP_ERR_CONFLICT', message: '"Developers" is a built-in group: it cannot be renamed' });
    expect((await errorOf(owner.client.call((c) => c.groups.delete({ groupId: id })))).code).toBe('CP_ERR_CONFLICT');
    const added = await errorOf(owner.client.call((c) => c.groups.addMember({ groupId: id, userId: member.userId })));
    expect(added).toMatchObject({
      code: 'CP_ERR_CONFLICT',
      message: '"Developers" is a built-in group: its membership is implicit',
    });
    const removed = await errorOf(owner.client.call((c) => c.groups.removeMember({ groupId: id, userId: member.userId })));
    expect(removed.code).toBe('CP_ERR_CONFLICT');
    const described = await owner.client.call((c) =>
      c.groups.update({ groupId: id, version, name: 'Developers', description: 'Everyone signed in' }),
    );
    expect(described).toMatchObject({ name: 'Developers', description: 'Everyone signed in', version: version + 1 });
  });

  it('creates, renames and deletes custom groups, with audit rows', async () => {
    const group = await admin.client.call((c) => c.groups.create({ name: 'Partners', description: 'External' }));
    expect(group).toMatchObject({ name: 'Partners', builtIn: null, version: 1 });
    await expect(owner.client.call((c) => c.groups.get({ groupId: group.id }))).resolves.toEqual(group);

    const taken = await errorOf(owner.client.call((c) => c.groups.create({ name: 'Partners' })));
    expect(taken).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { name: ['Already used in this tenant'] } });
    const builtInName = await errorOf(owner.client.call((c) => c.groups.create({ name: 'Guests' })));
    expect(builtInName.code).toBe('CP_ERR_CONFLICT');

    const renamed = await owner.client.call((c) => c.groups.update({ groupId: group.id, version: 1, name: 'Key partners' }));
    expect(renamed).toMatchObject({ name: 'Key partners', version: 2 });
    const stale = await errorOf(owner.client.call((c) => c.groups.update({ groupId: group.id, version: 1, name: 'Lost' })));
    expect(stale).toMatchObject({ code: 'CP_ERR_VERSION_MISMATCH', fields: { version: ['Current version is 2'] } });

    await owner.client.call((c) => c.groups.delete({ groupId: group.id }));
    expect((await errorOf(owner.client.call((c) => c.groups.get({ groupId: group.id })))).code).toBe('CP_ERR_NOT_FOUND');
    const audit = await owner.client.call((c) => c.audit.list({ targetId: group.id }));
    expect(audit.items.map((a) => a.action).reverse()).toEqual(['group.create', 'group.update', 'group.delete']);
  });

  it('custom groups hold tenant members only', async () => {
    const group = await owner.client.call((c) => c.groups.create({ name: 'Beta testers' }));
    const added = await owner.client.call((c) => c.groups.addMember({ groupId: group.id, userId: developer.userId }));
    expect(added).toMatchObject({ userId: developer.userId, email: developer.email });
    // Adding again changes nothing.
    const again = await owner.client.call((c) => c.groups.addMember({ groupId: group.id, userId: developer.userId }));
    expect(again.addedAt).toBe(added.addedAt);
    await owner.client.call((c) => c.groups.addMember({ groupId: group.id, userId: member.userId }));
    const listed = await owner.client.call((c) => c.groups.listMembers({ groupId: group.id }));
    expect(listed.items.map((m) => m.userId)).toEqual([developer.userId, member.userId]);

    const outsider = await signUp(h, 'Outsiders', 'outsider');
    const before = await tableCounts(h.deps.db);
    const error = await errorOf(owner.client.call((c) => c.groups.addMember({ groupId: group.id, userId: outsider.userId })));
    expect(error.code).toBe('CP_ERR_NOT_FOUND');
    expect(await tableCounts(h.deps.db)).toEqual(before);

    await owner.client.call((c) => c.groups.removeMember({ groupId: group.id, userId: developer.userId }));
    const after = await owner.client.call((c) => c.groups.listMembers({ groupId: group.id }));
    expect(after.items.map((m) => m.userId)).toEqual([member.userId]);
    const gone = await errorOf(owner.client.call((c) => c.groups.removeMember({ groupId: group.id, userId: developer.userId })));
    expect(gone.code).toBe('CP_ERR_NOT_FOUND');
    const audit = await owner.client.call((c) => c.audit.list({ targetId: group.id }));
    expect(audit.items.map((a) => [a.action, a.diff]).reverse()).toEqual([
      ['group.create', { name: [null, 'Beta testers'], description: [null, ''] }],
      ['group.add_member', { member: [null, developer.userId] }],
      ['group.add_member', {}],
      ['group.add_member', { member: [null, member.userId] }],
      ['group.remove_member', { member: [developer.userId, null] }],
    ]);
  });

  it('pages through members', async () => {
    const group = await owner.client.call((c) => c.groups.create({ name: 'Paged' }));
    for (const user of [owner, admin, member, developer]) {
      await owner.client.call((c) => c.groups.addMember({ groupId: group.id, userId: user.userId }));
    }
    const first = await owner.client.call((c) => c.groups.listMembers({ groupId: group.id, limit: 3 }));
    const second = await owner.client.call((c) =>
      c.groups.listMembers({ groupId: group.id, limit: 3, cursor: first.nextCursor ?? undefined }),
    );
    expect(first.items).toHaveLength(3);
    expect(second).toMatchObject({ nextCursor: null });
    expect([...first.items, ...second.items].map((m) => m.userId)).toEqual([
      owner.userId,
      admin.userId,
      member.userId,
      developer.userId,
    ]);
  });
});
