import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, configChanges } from '../src/db/schema/index.js';
import { createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

describe('version sets', () => {
  let h: Harness;
  let owner: SignedUp;
  let workspaceId: string;

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Versions', 'versions-owner');
    workspaceId = owner.workspaceId;
  });
  afterAll(() => h.close());

  let counter = 0;
  const unique = (label: string) => `${label} ${++counter}`;
  const createSet = (input: Record<string, unknown> = {}) =>
    owner.client.call((c) => c.versionSets.create({ workspaceId, name: unique('set'), ...input }));
  const createApi = (input: { name?: string; path: string; versionSetId?: string; apiVersion?: string }) =>
    owner.client.call((c) => c.apis.create({ workspaceId, name: input.name ?? unique('api'), ...input }));
  const changesOf = (id: string) =>
    h.deps.db
      .select({ entityType: configChanges.entityType, op: configChanges.op })
      .from(configChanges)
      .where(eq(configChanges.entityId, id));

  describe('schemes', () => {
    it('defaults to the segment scheme, with neither header nor query name', async () => {
      const set = await createSet({ name: 'Orders versions', description: 'All of them' });
      expect(set).toMatchObject({
        id: expect.stringMatching(/^avs_/) as string,
        workspaceId,
        name: 'Orders versions',
        description: 'All of them',
        versioningScheme: 'segment',
        versionHeaderName: null,
        versionQueryName: null,
        version: 1,
      });
      await expect(owner.client.call((c) => c.versionSets.get({ workspaceId, versionSetId: set.id }))).resolves.toEqual(set);
      expect(await changesOf(set.id)).toEqual([{ entityType: 'api_version_set', op: 'upsert' }]);
      const [audit] = await h.deps.db.select().from(auditLog).where(eq(auditLog.targetId, set.id));
      expect(audit).toMatchObject({ action: 'version_set.create', targetType: 'api_version_set' });
    });

    it('takes the header name with the header scheme and the query name with the query scheme', async () => {
      const header = await createSet({ versioningScheme: 'header', versionHeaderName: 'Api-Version' });
      expect(header).toMatchObject({ versioningScheme: 'header', versionHeaderName: 'Api-Version', versionQueryName: null });
      const query = await createSet({ versioningScheme: 'query', versionQueryName: 'api-version' });
      expect(query).toMatchObject({ versioningScheme: 'query', versionHeaderName: null, versionQueryName: 'api-version' });
    });

    it.each([
      [{ versioningScheme: 'header' }, { versionHeaderName: ['Required with the header scheme'] }],
      [{ versioningScheme: 'query' }, { versionQueryName: ['Required with the query scheme'] }],
      [{ versionHeaderName: 'Api-Version' }, { versionHeaderName: ['Only with the header scheme, not segment'] }],
      [
        { versioningScheme: 'query', versionHeaderName: 'Api-Version' },
        {
          versionHeaderName: ['Only with the header scheme, not query'],
          versionQueryName: ['Required with the query scheme'],
        },
      ],
      [
        { versioningScheme: 'header', versionHeaderName: 'Api-Version', versionQueryName: 'v' },
        { versionQueryName: ['Only with the query scheme, not header'] },
      ],
    ])('refuses %j, naming the fields', async (input, fields) => {
      const before = await tableCounts(h.deps.db);
      const error = await errorOf(createSet(input));
      expect(error).toMatchObject({ code: 'CP_ERR_VALIDATION', fields });
      expect(Object.keys(error.fields ?? {}).sort()).toEqual(Object.keys(fields).sort());
      expect(await tableCounts(h.deps.db)).toEqual(before);
    });

    it('switching the scheme drops the old name and needs the new one', async () => {
      const set = await createSet({ versioningScheme: 'header', versionHeaderName: 'Api-Version' });
      const missing = await errorOf(
        owner.client.call((c) =>
          c.versionSets.update({ workspaceId, versionSetId: set.id, version: 1, versioningScheme: 'query' }),
        ),
      );
      expect(missing).toMatchObject({
        code: 'CP_ERR_VALIDATION',
        fields: { versionQueryName: ['Required with the query scheme'] },
      });
      const wrong = await errorOf(
        owner.client.call((c) =>
          c.versionSets.update({ workspaceId, versionSetId: set.id, version: 1, versionQueryName: 'api-version' }),
        ),
      );
      expect(wrong.fields).toEqual({ versionQueryName: ['Only with the query scheme, not header'] });

      const renamed = await owner.client.call((c) =>
        c.versionSets.update({ workspaceId, versionSetId: set.id, version: 1, versionHeaderName: 'X-Version' }),
      );
      expect(renamed).toMatchObject({ versioningScheme: 'header', versionHeaderName: 'X-Version', version: 2 });
      const switched = await owner.client.call((c) =>
        c.versionSets.update({
          workspaceId,
          versionSetId: set.id,
          version: 2,
          versioningScheme: 'query',
          versionQueryName: 'v',
        }),
      );
      expect(switched).toMatchObject({ versioningScheme: 'query', versionHeaderName: null, versionQueryName: 'v', version: 3 });
      const stale = await errorOf(
        owner.client.call((c) => c.versionSets.update({ workspaceId, versionSetId: set.id, version: 2, name: 'Stale' })),
      );
      expect(stale.code).toBe('CP_ERR_VERSION_MISMATCH');
      const audits = await h.deps.db
        .select({ diff: auditLog.diff })
        .from(auditLog)
        .where(and(eq(auditLog.targetId, set.id), eq(auditLog.action, 'version_set.update')));
      expect(audits.map((a) => a.diff)).toContainEqual({
        versioningScheme: ['header', 'query'],
        versionHeaderName: ['X-Version', null],
        versionQueryName: [null, 'v'],
      });
    });

    it('keeps names unique in a workspace', async () => {
      await createSet({ name: 'Twice' });
      const error = await errorOf(createSet({ name: 'Twice' }));
      expect(error).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { name: ['Already used in this workspace'] } });
    });
  });

  describe('versioned APIs', () => {
    it('serves one path once per version of a set, and lists the versions', async () => {
      const set = await createSet();
      const v1 = await createApi({ path: 'orders', versionSetId: set.id, apiVersion: 'v1' });
      const v2 = await createApi({ path: 'orders', versionSetId: set.id, apiVersion: '2024-01-01' });
      expect(v1).toMatchObject({ path: 'orders', versionSetId: set.id, apiVersion: 'v1' });
      expect(v2).toMatchObject({ path: 'orders', versionSetId: set.id, apiVersion: '2024-01-01' });
      const listed = await owner.client.call((c) => c.versionSets.listApis({ workspaceId, versionSetId: set.id }));
      expect(listed.items.map((a) => [a.id, a.apiVersion])).toEqual([
        [v1.id, 'v1'],
        [v2.id, '2024-01-01'],
      ]);
      const [audit] = await h.deps.db.select().from(auditLog).where(eq(auditLog.targetId, v1.id));
      expect(audit?.diff).toMatchObject({ versionSetId: [null, set.id], apiVersion: [null, 'v1'] });

      const again = await errorOf(createApi({ path: 'orders', versionSetId: set.id, apiVersion: 'v1' }));
      expect(again).toMatchObject({
        code: 'CP_ERR_CONFLICT',
        fields: { apiVersion: ['This version of the path exists'] },
      });
      expect(again.message).toContain(v1.id);
    });

    it('gives a path to one unversioned API or to the versions of one set', async () => {
      const set = await createSet();
      const other = await createSet();
      const unversioned = await createApi({ path: 'billing' });
      const intoUnversioned = await errorOf(createApi({ path: 'billing', versionSetId: set.id, apiVersion: 'v1' }));
      expect(intoUnversioned.code).toBe('CP_ERR_CONFLICT');
      expect(intoUnversioned.message).toContain(`the unversioned API "${unversioned.name}"`);

      await createApi({ path: 'billing/next', versionSetId: set.id, apiVersion: 'v1' });
      const otherSet = await errorOf(createApi({ path: 'billing/next', versionSetId: other.id, apiVersion: 'v2' }));
      expect(otherSet.message).toContain('another version set');
      const plain = await errorOf(createApi({ path: 'billing/next' }));
      expect(plain.message).toContain('the versions of a version set');
    });

    it('takes versionSetId and apiVersion together, the set from the same workspace', async () => {
      const set = await createSet();
      expect((await errorOf(createApi({ path: 'lonely', versionSetId: set.id }))).fields).toEqual({
        apiVersion: ['Required with versionSetId: the version this API is in its set'],
      });
      expect((await errorOf(createApi({ path: 'lonely', apiVersion: 'v1' }))).fields).toEqual({
        versionSetId: ['Required with apiVersion: the version set the version belongs to'],
      });
      const bad = await errorOf(createApi({ path: 'lonely', versionSetId: set.id, apiVersion: '/v1' }));
      expect(Object.keys(bad.fields ?? {})).toEqual(['apiVersion']);

      const elsewhere = await owner.client.call((c) => c.workspaces.create({ name: 'Elsewhere' }));
      const foreign = await owner.client.call((c) => c.versionSets.create({ workspaceId: elsewhere.id, name: 'Theirs' }));
      const error = await errorOf(createApi({ path: 'lonely', versionSetId: foreign.id, apiVersion: 'v1' }));
      expect(error).toMatchObject({ code: 'CP_ERR_NOT_FOUND', message: 'Version set not found' });
    });

    it('changes an API’s version, re-checking that it is free', async () => {
      const set = await createSet();
      const v1 = await createApi({ path: 'stock', versionSetId: set.id, apiVersion: 'v1' });
      await createApi({ path: 'stock', versionSetId: set.id, apiVersion: 'v2' });
      const taken = await errorOf(
        owner.client.call((c) => c.apis.update({ workspaceId, apiId: v1.id, version: 1, apiVersion: 'v2' })),
      );
      expect(taken).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { apiVersion: ['This version of the path exists'] } });
      const moved = await owner.client.call((c) => c.apis.update({ workspaceId, apiId: v1.id, version: 1, apiVersion: 'v3' }));
      expect(moved).toMatchObject({ apiVersion: 'v3', versionSetId: set.id, version: 2 });

      const plain = await createApi({ path: 'plain-stock' });
      const notVersioned = await errorOf(
        owner.client.call((c) => c.apis.update({ workspaceId, apiId: plain.id, version: 1, apiVersion: 'v1' })),
      );
      expect(notVersioned.fields).toEqual({ apiVersion: ['The API belongs to no version set, so it has no version'] });
    });
  });

  describe('delete', () => {
    it('is refused while APIs use the set, naming them; then it goes', async () => {
      const set = await createSet();
      const api = await createApi({ name: 'Ledger', path: 'ledger', versionSetId: set.id, apiVersion: 'v1' });
      const before = await tableCounts(h.deps.db);
      const error = await errorOf(owner.client.call((c) => c.versionSets.delete({ workspaceId, versionSetId: set.id })));
      expect(error.code).toBe('CP_ERR_CONFLICT');
      expect(error.message).toContain(`"Ledger" v1 (${api.id})`);
      expect(await tableCounts(h.deps.db)).toEqual(before);

      await owner.client.call((c) => c.apis.delete({ workspaceId, apiId: api.id }));
      await expect(owner.client.call((c) => c.versionSets.delete({ workspaceId, versionSetId: set.id }))).resolves.toEqual({
        ok: true,
      });
      expect((await errorOf(owner.client.call((c) => c.versionSets.get({ workspaceId, versionSetId: set.id })))).code).toBe(
        'CP_ERR_NOT_FOUND',
      );
      expect(await changesOf(set.id)).toContainEqual({ entityType: 'api_version_set', op: 'delete' });
    });

    it('lists the workspace’s sets page by page', async () => {
      const page1 = await owner.client.call((c) => c.versionSets.list({ workspaceId, limit: 2 }));
      expect(page1.items).toHaveLength(2);
      const page2 = await owner.client.call((c) =>
        c.versionSets.list({ workspaceId, limit: 100, cursor: page1.nextCursor ?? undefined }),
      );
      const ids = [...page1.items, ...page2.items].map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(page2.nextCursor).toBeNull();
    });
  });
});
