import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRevisions, apis, auditLog, configChanges, operations, policyDocuments, tenants } from '../src/db/schema/index.js';
import { createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

const policy = (value: string) => `inbound:\n  - base: {}\n  - set-header: { name: x-revision, value: ["${value}"] }\n`;

describe('revisions', () => {
  let h: Harness;
  let owner: SignedUp;
  let workspaceId: string;

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Revisions', 'revisions-owner');
    workspaceId = owner.workspaceId;
  });
  afterAll(() => h.close());

  let counter = 0;

  /** An API with two operations, an API policy and a policy on each operation. */
  async function apiWithOperations() {
    const api = await owner.client.call((c) =>
      c.apis.create({ workspaceId, name: `Items ${++counter}`, path: `items-${counter}` }),
    );
    const apiId = api.id;
    const getItem = await owner.client.call((c) =>
      c.operations.create({ workspaceId, apiId, name: 'getItem', method: 'GET', urlTemplate: '/items/{id}', tags: ['items'] }),
    );
    const listItems = await owner.client.call((c) =>
      c.operations.create({ workspaceId, apiId, name: 'listItems', method: 'GET', urlTemplate: '/items' }),
    );
    await owner.client.call((c) => c.policies.api.set({ workspaceId, apiId, source: policy('api-1') }));
    await owner.client.call((c) =>
      c.policies.operation.set({ workspaceId, apiId, operationId: getItem.id, source: policy('get-1') }),
    );
    await owner.client.call((c) =>
      c.policies.operation.set({ workspaceId, apiId, operationId: listItems.id, source: policy('list-1') }),
    );
    return { api, getItem, listItems };
  }

  const operationsOf = (apiId: string) =>
    h.deps.db
      .select({ id: operations.id, name: operations.name, description: operations.description, tags: operations.tags })
      .from(operations)
      .where(eq(operations.apiId, apiId))
      .orderBy(asc(operations.name));

  /** Policy sources by target: `api` or the operation's name. */
  async function policiesOf(apiId: string): Promise<Record<string, string>> {
    const ops = await operationsOf(apiId);
    const names = new Map<string, string>([[apiId, 'api'], ...ops.map((o): [string, string] => [o.id, o.name])]);
    const docs = await h.deps.db
      .select()
      .from(policyDocuments)
      .where(inArray(policyDocuments.scopeId, [...names.keys()]));
    return Object.fromEntries(docs.map((d) => [names.get(d.scopeId)!, d.source]));
  }

  const revisionsOf = (apiId: string) =>
    h.deps.db
      .select({ revision: apiRevisions.revision, isCurrent: apiRevisions.isCurrent })
      .from(apiRevisions)
      .where(eq(apiRevisions.apiId, apiId))
      .orderBy(asc(apiRevisions.revision));

  it('the first revision also records the live API as revision 1, current', async () => {
    const { api } = await apiWithOperations();
    const apiId = api.id;
    await expect(owner.client.call((c) => c.revisions.list({ workspaceId, apiId }))).resolves.toEqual({
      items: [],
      nextCursor: null,
    });
    const created = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId, description: 'Before v2' }));
    expect(created).toMatchObject({
      id: expect.stringMatching(/^arev_/) as string,
      apiId,
      revision: 2,
      description: 'Before v2',
      isCurrent: false,
      createdBy: owner.userId,
    });
    const listed = await owner.client.call((c) => c.revisions.list({ workspaceId, apiId }));
    expect(listed.items.map((r) => [r.revision, r.isCurrent])).toEqual([
      [1, true],
      [2, false],
    ]);
    const third = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId }));
    expect(third.revision).toBe(3);
    expect(await revisionsOf(apiId)).toEqual([
      { revision: 1, isCurrent: true },
      { revision: 2, isCurrent: false },
      { revision: 3, isCurrent: false },
    ]);

    const page1 = await owner.client.call((c) => c.revisions.list({ workspaceId, apiId, limit: 2 }));
    const page2 = await owner.client.call((c) =>
      c.revisions.list({ workspaceId, apiId, limit: 2, cursor: page1.nextCursor ?? undefined }),
    );
    expect([...page1.items, ...page2.items].map((r) => r.revision)).toEqual([1, 2, 3]);
    expect(page2.nextCursor).toBeNull();

    const content = await owner.client.call((c) => c.revisions.get({ workspaceId, apiId, revisionId: created.id }));
    expect(content.content.api).toMatchObject({ name: api.name, path: api.path, backendId: null });
    expect(content.content.operations.map((o) => o.name)).toEqual(['getItem', 'listItems']);
    expect(content.content.policies).toEqual([
      { scope: 'api', operationName: null, format: 'yaml', source: policy('api-1') },
      { scope: 'operation', operationName: 'getItem', format: 'yaml', source: policy('get-1') },
      { scope: 'operation', operationName: 'listItems', format: 'yaml', source: policy('list-1') },
    ]);

    const audits = await h.deps.db
      .select({ targetId: auditLog.targetId })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'api_revision.create'), eq(auditLog.workspaceId, workspaceId)));
    const ids = (await owner.client.call((c) => c.revisions.list({ workspaceId, apiId }))).items.map((r) => r.id);
    expect(audits.map((a) => a.targetId).filter((id) => ids.includes(id))).toHaveLength(3);
  });

  it('diffs revisions by operation name, and a revision against the live API', async () => {
    const { api, getItem, listItems } = await apiWithOperations();
    const apiId = api.id;
    const saved = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId }));

    await owner.client.call((c) =>
      c.operations.update({ workspaceId, apiId, operationId: getItem.id, version: 1, description: 'One item', tags: [] }),
    );
    await owner.client.call((c) => c.operations.delete({ workspaceId, apiId, operationId: listItems.id }));
    await owner.client.call((c) =>
      c.operations.create({ workspaceId, apiId, name: 'createItem', method: 'POST', urlTemplate: '/items' }),
    );
    await owner.client.call((c) => c.policies.api.set({ workspaceId, apiId, source: policy('api-2'), version: 1 }));
    await owner.client.call((c) => c.apis.update({ workspaceId, apiId, version: 1, name: 'Items, renamed' }));

    const expected = {
      api: { changed: ['name', 'policy'] },
      operations: {
        added: [{ name: 'createItem', method: 'POST', urlTemplate: '/items' }],
        removed: [{ name: 'listItems', method: 'GET', urlTemplate: '/items' }],
        changed: [{ name: 'getItem', changed: ['description', 'tags'] }],
      },
    };
    const live = await owner.client.call((c) => c.revisions.diff({ workspaceId, apiId, fromRevisionId: saved.id }));
    expect(live).toEqual({
      from: { revisionId: saved.id, revision: 2, live: false },
      to: { revisionId: null, revision: null, live: true },
      ...expected,
    });
    // Revision 1 is current: its content is the live API, not the copy taken with revision 2.
    const [first] = (await owner.client.call((c) => c.revisions.list({ workspaceId, apiId }))).items;
    const toCurrent = await owner.client.call((c) =>
      c.revisions.diff({ workspaceId, apiId, fromRevisionId: saved.id, toRevisionId: first!.id }),
    );
    expect(toCurrent).toMatchObject({ to: { revisionId: first!.id, revision: 1, live: true }, ...expected });
    const back = await owner.client.call((c) =>
      c.revisions.diff({ workspaceId, apiId, fromRevisionId: first!.id, toRevisionId: saved.id }),
    );
    expect(back.operations).toEqual({
      added: expected.operations.removed,
      removed: expected.operations.added,
      changed: expected.operations.changed,
    });
    const same = await owner.client.call((c) =>
      c.revisions.diff({ workspaceId, apiId, fromRevisionId: saved.id, toRevisionId: saved.id }),
    );
    expect(same).toMatchObject({ api: { changed: [] }, operations: { added: [], removed: [], changed: [] } });
  });

  it('makeCurrent restores operations and policies, and keeps the live state as the previous revision', async () => {
    const { api, getItem, listItems } = await apiWithOperations();
    const apiId = api.id;
    const saved = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId, description: 'Known good' }));
    const [first] = (await owner.client.call((c) => c.revisions.list({ workspaceId, apiId }))).items;

    // Edit the live API: the state revision 1 (current) will be saved with.
    await owner.client.call((c) =>
      c.operations.update({ workspaceId, apiId, operationId: getItem.id, version: 1, description: 'Edited' }),
    );
    await owner.client.call((c) => c.policies.operation.delete({ workspaceId, apiId, operationId: getItem.id }));
    await owner.client.call((c) => c.operations.delete({ workspaceId, apiId, operationId: listItems.id }));
    const created = await owner.client.call((c) =>
      c.operations.create({ workspaceId, apiId, name: 'createItem', method: 'POST', urlTemplate: '/items' }),
    );
    const createdPolicy = await owner.client.call((c) =>
      c.policies.operation.set({ workspaceId, apiId, operationId: created.id, source: policy('create-1') }),
    );
    await owner.client.call((c) => c.policies.api.set({ workspaceId, apiId, source: policy('api-2'), version: 1 }));
    await owner.client.call((c) =>
      c.apis.update({ workspaceId, apiId, version: 1, name: 'Edited name', subscriptionRequired: false }),
    );
    const [{ configRevision }] = (await h.deps.db
      .select({ configRevision: tenants.configRevision })
      .from(tenants)
      .where(eq(tenants.id, owner.tenantId))) as [{ configRevision: number }];

    const made = await owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId, revisionId: saved.id }));
    expect(made.revision).toMatchObject({ id: saved.id, revision: 2, isCurrent: true });
    expect(made.api).toMatchObject({ id: apiId, name: api.name, subscriptionRequired: true, path: api.path, version: 3 });
    expect(made.operations).toEqual({ created: 1, updated: 1, deleted: 1 });
    expect(await revisionsOf(apiId)).toEqual([
      { revision: 1, isCurrent: false },
      { revision: 2, isCurrent: true },
    ]);

    const ops = await operationsOf(apiId);
    expect(ops.map((o) => [o.name, o.description])).toEqual([
      ['getItem', ''],
      ['listItems', ''],
    ]);
    // A name that survived keeps its id; a re-created one gets a new id and its policy with it.
    expect(ops[0]!.id).toBe(getItem.id);
    expect(ops[1]!.id).not.toBe(listItems.id);
    expect(await policiesOf(apiId)).toEqual({ api: policy('api-1'), getItem: policy('get-1'), listItems: policy('list-1') });
    const orphans = await h.deps.db.select().from(policyDocuments).where(eq(policyDocuments.scopeId, created.id));
    expect(orphans).toEqual([]);

    // Revision 1 now holds the edited state, so nothing was lost.
    const kept = await owner.client.call((c) => c.revisions.get({ workspaceId, apiId, revisionId: first!.id }));
    expect(kept).toMatchObject({ isCurrent: false, content: { api: { name: 'Edited name', subscriptionRequired: false } } });
    expect(kept.content.operations.map((o) => [o.name, o.description])).toEqual([
      ['createItem', ''],
      ['getItem', 'Edited'],
    ]);

    // Gateways hear of everything that moved, in one config revision.
    const changes = await h.deps.db
      .select()
      .from(configChanges)
      .where(and(eq(configChanges.tenantId, owner.tenantId), gt(configChanges.revision, configRevision)));
    expect(new Set(changes.map((c) => c.revision))).toEqual(new Set([configRevision + 1]));
    const changed = (type: string) =>
      changes
        .filter((c) => c.entityType === type)
        .map((c) => `${c.entityId}:${c.op}`)
        .sort();
    expect(changed('api')).toEqual([`${apiId}:upsert`]);
    expect(changed('operation')).toEqual([`${created.id}:delete`, `${getItem.id}:upsert`, `${ops[1]!.id}:upsert`].sort());
    const docs = await h.deps.db
      .select({ id: policyDocuments.id })
      .from(policyDocuments)
      .where(inArray(policyDocuments.scopeId, [apiId, ...ops.map((o) => o.id)]));
    expect(changed('policy_document')).toEqual([`${createdPolicy.id}:delete`, ...docs.map((d) => `${d.id}:upsert`)].sort());
    const [audit] = await h.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'api_revision.make_current'), eq(auditLog.targetId, apiId)));
    expect(audit?.diff).toMatchObject({
      currentRevision: [1, 2],
      revisionId: [first!.id, saved.id],
      name: ['Edited name', api.name],
      subscriptionRequired: [false, true],
    });

    // And back: the edited state returns from revision 1.
    await owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId, revisionId: first!.id }));
    expect((await operationsOf(apiId)).map((o) => [o.name, o.description])).toEqual([
      ['createItem', ''],
      ['getItem', 'Edited'],
    ]);
    expect(await policiesOf(apiId)).toEqual({ api: policy('api-2'), createItem: policy('create-1') });
    expect(await revisionsOf(apiId)).toEqual([
      { revision: 1, isCurrent: true },
      { revision: 2, isCurrent: false },
    ]);
  });

  it('making the current revision current changes nothing', async () => {
    const { api } = await apiWithOperations();
    const apiId = api.id;
    await owner.client.call((c) => c.revisions.create({ workspaceId, apiId }));
    const [first] = (await owner.client.call((c) => c.revisions.list({ workspaceId, apiId }))).items;
    const before = await tableCounts(h.deps.db);
    const made = await owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId, revisionId: first!.id }));
    expect(made).toMatchObject({ revision: { id: first!.id, isCurrent: true, version: 1 }, api: { version: 1 } });
    expect(await tableCounts(h.deps.db)).toEqual(before);
  });

  it('never restores identity: path and version stay as they are', async () => {
    const set = await owner.client.call((c) => c.versionSets.create({ workspaceId, name: 'Revised versions' }));
    const api = await owner.client.call((c) =>
      c.apis.create({ workspaceId, name: 'Versioned', path: 'versioned', versionSetId: set.id, apiVersion: 'v1' }),
    );
    const saved = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId: api.id }));
    await owner.client.call((c) =>
      c.apis.update({ workspaceId, apiId: api.id, version: 1, path: 'versioned-too', apiVersion: 'v9' }),
    );
    const made = await owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId: api.id, revisionId: saved.id }));
    expect(made.api).toMatchObject({ path: 'versioned-too', versionSetId: set.id, apiVersion: 'v9' });
  });

  it('answers NOT_FOUND for a revision of another API', async () => {
    const one = await apiWithOperations();
    const two = await apiWithOperations();
    const revision = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId: one.api.id }));
    const attempts = [
      () => owner.client.call((c) => c.revisions.get({ workspaceId, apiId: two.api.id, revisionId: revision.id })),
      () => owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId: two.api.id, revisionId: revision.id })),
      () => owner.client.call((c) => c.revisions.diff({ workspaceId, apiId: two.api.id, fromRevisionId: revision.id })),
    ];
    for (const attempt of attempts) {
      expect(await errorOf(attempt())).toMatchObject({ code: 'CP_ERR_NOT_FOUND', message: 'Revision not found' });
    }
  });

  describe('nothing is half-written', () => {
    async function liveState(apiId: string) {
      return {
        api: await h.deps.db.select().from(apis).where(eq(apis.id, apiId)),
        operations: await h.deps.db.select().from(operations).where(eq(operations.apiId, apiId)).orderBy(asc(operations.id)),
        policies: await policiesOf(apiId),
        revisions: await h.deps.db
          .select()
          .from(apiRevisions)
          .where(eq(apiRevisions.apiId, apiId))
          .orderBy(asc(apiRevisions.revision)),
      };
    }

    it('refuses a revision whose backend is gone, before writing anything', async () => {
      const old = await owner.client.call((c) => c.backends.create({ workspaceId, name: 'Old', url: 'https://old.example' }));
      const next = await owner.client.call((c) => c.backends.create({ workspaceId, name: 'New', url: 'https://new.example' }));
      const { api } = await apiWithOperations();
      const apiId = api.id;
      await owner.client.call((c) => c.apis.update({ workspaceId, apiId, version: 1, backendId: old.id }));
      const saved = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId }));
      await owner.client.call((c) => c.apis.update({ workspaceId, apiId, version: 2, backendId: next.id }));
      await owner.client.call((c) => c.backends.delete({ workspaceId, backendId: old.id }));

      const before = await tableCounts(h.deps.db);
      const state = await liveState(apiId);
      const error = await errorOf(
        owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId, revisionId: saved.id })),
      );
      expect(error.code).toBe('CP_ERR_CONFLICT');
      expect(error.message).toContain(`uses the backend ${old.id}, which no longer exists`);
      expect(await tableCounts(h.deps.db)).toEqual(before);
      expect(await liveState(apiId)).toEqual(state);
    });

    it('refuses a revision whose policy uses a named value that is gone', async () => {
      const nv = await owner.client.call((c) => c.namedValues.create({ workspaceId, name: 'revision-tag', value: 'x' }));
      const { api } = await apiWithOperations();
      const apiId = api.id;
      await owner.client.call((c) => c.policies.api.set({ workspaceId, apiId, source: policy('{{revision-tag}}'), version: 1 }));
      const saved = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId }));
      await owner.client.call((c) => c.policies.api.set({ workspaceId, apiId, source: policy('plain'), version: 2 }));
      await owner.client.call((c) => c.namedValues.delete({ workspaceId, namedValueId: nv.id }));

      const before = await tableCounts(h.deps.db);
      const error = await errorOf(
        owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId, revisionId: saved.id })),
      );
      expect(error.code).toBe('CP_ERR_CONFLICT');
      expect(error.message).toMatch(/Revision 2: the API policy no longer fits the workspace/);
      expect(error.message).toContain('{{revision-tag}} is not a named value of this workspace');
      expect(await tableCounts(h.deps.db)).toEqual(before);
    });

    it('rolls back every write when the last one fails', async () => {
      const { api, listItems } = await apiWithOperations();
      const apiId = api.id;
      const saved = await owner.client.call((c) => c.revisions.create({ workspaceId, apiId }));
      await owner.client.call((c) => c.operations.delete({ workspaceId, apiId, operationId: listItems.id }));
      await owner.client.call((c) => c.policies.api.delete({ workspaceId, apiId }));

      // Fail the audit row, the last write of makeCurrent, after the restore has run.
      await h.deps.db.execute(sql`
        create function fail_make_current() returns trigger language plpgsql as $$
        begin
          if new.action = 'api_revision.make_current' then raise exception 'injected failure'; end if;
          return new;
        end $$`);
      await h.deps.db.execute(
        sql`create trigger fail_make_current before insert on audit_log for each row execute function fail_make_current()`,
      );
      try {
        const before = await tableCounts(h.deps.db);
        const state = await liveState(apiId);
        const error = await errorOf(
          owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId, revisionId: saved.id })),
        );
        expect(error).toEqual({ code: 'CP_ERR_INTERNAL', message: 'Internal error' });
        expect(await tableCounts(h.deps.db)).toEqual(before);
        expect(await liveState(apiId)).toEqual(state);
      } finally {
        await h.deps.db.execute(sql`drop trigger fail_make_current on audit_log`);
        await h.deps.db.execute(sql`drop function fail_make_current()`);
      }
      const made = await owner.client.call((c) => c.revisions.makeCurrent({ workspaceId, apiId, revisionId: saved.id }));
      expect(made.operations).toEqual({ created: 1, updated: 1, deleted: 0 });
    });
  });
});
