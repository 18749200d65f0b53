import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configChanges, tenants } from '../src/db/schema/index.js';
import { createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

describe('APIs and operations', () => {
  let h: Harness;
  let owner: SignedUp;
  let ws: string;
  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Catalog');
    ws = owner.workspaceId;
  });
  afterAll(() => h.close());

  it('creates an API with Azure-compatible key defaults and lists it', async () => {
    const api = await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Petstore', path: 'petstore/v1' }));
    expect(api).toMatchObject({
      type: 'http',
      path: 'petstore/v1',
      subscriptionRequired: true,
      subscriptionKeyHeaderName: 'Ocp-Apim-Subscription-Key',
      subscriptionKeyQueryName: 'subscription-key',
      protocols: ['https'],
      version: 1,
    });
    const ws2 = await owner.client.call((c) => c.apis.create({ workspaceId: ws, type: 'websocket', name: 'Chat', path: 'chat' }));
    expect(ws2.protocols).toEqual(['wss']);
    const listed = await owner.client.call((c) => c.apis.list({ workspaceId: ws, search: 'PET' }));
    expect(listed.items.map((a) => a.id)).toEqual([api.id]);
  });

  it('keeps paths unique across the tenant, even in another workspace', async () => {
    const other = await owner.client.call((c) => c.workspaces.create({ name: 'Other team' }));
    await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Orders', path: 'orders' }));
    const error = await errorOf(
      owner.client.call((c) => c.apis.create({ workspaceId: other.id, name: 'Orders again', path: 'orders' })),
    );
    expect(error).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { path: ['Already used by another API in this tenant'] } });
  });

  it('refuses malformed paths and header names, saying what is expected', async () => {
    const error = await errorOf(
      owner.client.call((c) =>
        c.apis.create({ workspaceId: ws, name: 'Bad', path: '/leading', subscriptionKeyHeaderName: 'bad header' }),
      ),
    );
    expect(Object.keys(error.fields ?? {}).sort()).toEqual(['path', 'subscriptionKeyHeaderName']);
    expect(error.fields?.path?.[0]).toMatch(/without a slash at either end/);
  });

  it('updates with optimistic concurrency and records a config change in the same revision', async () => {
    const api = await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Billing', path: 'billing' }));
    const [before] = await h.deps.db.select().from(tenants).where(eq(tenants.id, owner.tenantId));
    const updated = await owner.client.call((c) =>
      c.apis.update({ workspaceId: ws, apiId: api.id, version: 1, name: 'Billing v2', subscriptionRequired: false }),
    );
    expect(updated).toMatchObject({ name: 'Billing v2', subscriptionRequired: false, version: 2 });
    const stale = await errorOf(
      owner.client.call((c) => c.apis.update({ workspaceId: ws, apiId: api.id, version: 1, name: 'Lost update' })),
    );
    expect(stale).toMatchObject({ code: 'CP_ERR_VERSION_MISMATCH', fields: { version: ['Current version is 2'] } });
    const [after] = await h.deps.db.select().from(tenants).where(eq(tenants.id, owner.tenantId));
    expect(after!.configRevision).toBe(before!.configRevision + 1);
    const changes = await h.deps.db.select().from(configChanges).where(eq(configChanges.revision, after!.configRevision));
    expect(changes.filter((c) => c.tenantId === owner.tenantId)).toMatchObject([
      { entityType: 'api', entityId: api.id, op: 'upsert' },
    ]);
  });

  describe('host names', () => {
    it('are stored in lower case, returned, replaced by update and recorded as a config change and in the audit', async () => {
      const api = await owner.client.call((c) =>
        c.apis.create({ workspaceId: ws, name: 'Hosted', path: 'hosted', hostnames: ['API.Example.com', '*.eu.example.com'] }),
      );
      expect(api.hostnames).toEqual(['api.example.com', '*.eu.example.com']);
      expect((await owner.client.call((c) => c.apis.get({ workspaceId: ws, apiId: api.id }))).hostnames).toEqual([
        'api.example.com',
        '*.eu.example.com',
      ]);
      const plain = await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Anywhere', path: 'anywhere' }));
      expect(plain.hostnames).toEqual([]);

      const [before] = await h.deps.db.select().from(tenants).where(eq(tenants.id, owner.tenantId));
      const updated = await owner.client.call((c) =>
        c.apis.update({ workspaceId: ws, apiId: api.id, version: api.version, hostnames: ['shop.example.com'] }),
      );
      expect(updated).toMatchObject({ hostnames: ['shop.example.com'], version: api.version + 1 });
      const [after] = await h.deps.db.select().from(tenants).where(eq(tenants.id, owner.tenantId));
      const changes = await h.deps.db.select().from(configChanges).where(eq(configChanges.revision, after!.configRevision));
      expect(after!.configRevision).toBe(before!.configRevision + 1);
      expect(changes.filter((c) => c.tenantId === owner.tenantId)).toMatchObject([
        { entityType: 'api', entityId: api.id, op: 'upsert' },
      ]);
      const audit = await owner.client.call((c) => c.audit.list({ targetId: api.id }));
      expect(audit.items[0]).toMatchObject({
        action: 'api.update',
        diff: { hostnames: [['api.example.com', '*.eu.example.com'], ['shop.example.com']] },
      });

      const cleared = await owner.client.call((c) =>
        c.apis.update({ workspaceId: ws, apiId: api.id, version: updated.version, hostnames: [] }),
      );
      expect(cleared.hostnames).toEqual([]);
    });

    it('refuses malformed, duplicate and too many host names per index, writing nothing', async () => {
      const api = await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Strict', path: 'strict' }));
      const counts = await tableCounts(h.deps.db);
      const bad = ['ok.example.com', 'api.example.com:8080', '*.*.example.com', '-dash.example.com', 'ok.example.com', 'a..b'];
      const created = await errorOf(
        owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Bad hosts', path: 'bad-hosts', hostnames: bad })),
      );
      const expected = 'Not a host name: expected e.g. api.example.com or *.example.com';
      expect(created).toMatchObject({
        code: 'CP_ERR_VALIDATION',
        message: `hostnames.1: ${expected}`,
        fields: { 'hostnames.1': [expected], 'hostnames.2': [expected], 'hostnames.3': [expected], 'hostnames.5': [expected] },
      });
      const updated = await errorOf(
        owner.client.call((c) =>
          c.apis.update({ workspaceId: ws, apiId: api.id, version: api.version, hostnames: ['a.example.com', 'A.example.com'] }),
        ),
      );
      expect(updated).toMatchObject({ code: 'CP_ERR_VALIDATION', fields: { 'hostnames.1': ['Listed twice'] } });
      const long = await errorOf(
        owner.client.call((c) =>
          c.apis.update({
            workspaceId: ws,
            apiId: api.id,
            version: api.version,
            hostnames: [`${'a'.repeat(64)}.com`, `${'a.'.repeat(126)}com`],
          }),
        ),
      );
      expect(long.fields).toEqual({ 'hostnames.0': [expected], 'hostnames.1': ['Use at most 253 characters'] });
      const many = await errorOf(
        owner.client.call((c) =>
          c.apis.update({
            workspaceId: ws,
            apiId: api.id,
            version: api.version,
            hostnames: Array.from({ length: 21 }, (_, i) => `h${i}.example.com`),
          }),
        ),
      );
      expect(many.fields).toEqual({ hostnames: ['At most 20 host names'] });
      expect(await tableCounts(h.deps.db)).toEqual(counts);
      expect((await owner.client.call((c) => c.apis.get({ workspaceId: ws, apiId: api.id }))).hostnames).toEqual([]);
    });

    it('show in revision diffs, and a restore keeps the live ones like the path', async () => {
      const api = await owner.client.call((c) =>
        c.apis.create({ workspaceId: ws, name: 'Revised', path: 'revised', hostnames: ['v1.example.com'] }),
      );
      const saved = await owner.client.call((c) => c.revisions.create({ workspaceId: ws, apiId: api.id }));
      const moved = await owner.client.call((c) =>
        c.apis.update({ workspaceId: ws, apiId: api.id, version: api.version, hostnames: ['v2.example.com'] }),
      );
      const diff = await owner.client.call((c) => c.revisions.diff({ workspaceId: ws, apiId: api.id, fromRevisionId: saved.id }));
      expect(diff.api.changed).toEqual(['hostnames']);
      const content = await owner.client.call((c) => c.revisions.get({ workspaceId: ws, apiId: api.id, revisionId: saved.id }));
      expect(content.content.api.hostnames).toEqual(['v1.example.com']);
      await owner.client.call((c) => c.revisions.makeCurrent({ workspaceId: ws, apiId: api.id, revisionId: saved.id }));
      const live = await owner.client.call((c) => c.apis.get({ workspaceId: ws, apiId: api.id }));
      expect(live.hostnames).toEqual(moved.hostnames);
    });
  });

  describe('operations', () => {
    let apiId: string;
    beforeAll(async () => {
      apiId = (await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Users', path: 'users' }))).id;
    });

    it('adds undeclared path parameters as required strings and stores schemas and examples', async () => {
      const op = await owner.client.call((c) =>
        c.operations.create({
          workspaceId: ws,
          apiId,
          name: 'getUser',
          method: 'get',
          urlTemplate: '/users/{userId}',
          parameters: [{ name: 'verbose', in: 'query', schema: { type: 'boolean' } }],
          responses: [
            {
              status: 200,
              representations: [{ contentType: 'application/json', schema: { type: 'object' }, examples: { ada: { id: 1 } } }],
            },
          ],
        }),
      );
      expect(op.method).toBe('GET');
      expect(op.parameters).toEqual([
        { name: 'verbose', in: 'query', schema: { type: 'boolean' } },
        { name: 'userId', in: 'path', required: true, schema: { type: 'string' } },
      ]);
      const fetched = await owner.client.call((c) => c.operations.get({ workspaceId: ws, apiId, operationId: op.id }));
      expect(fetched.responses).toEqual([
        {
          status: 200,
          representations: [{ contentType: 'application/json', schema: { type: 'object' }, examples: { ada: { id: 1 } } }],
        },
      ]);
    });

    it('rejects a duplicate or ambiguous route and a duplicate name, writing nothing', async () => {
      await owner.client.call((c) =>
        c.operations.create({ workspaceId: ws, apiId, name: 'getOrder', method: 'GET', urlTemplate: '/orders/{id}' }),
      );
      const before = await tableCounts(h.deps.db);
      const ambiguous = await errorOf(
        owner.client.call((c) =>
          c.operations.create({ workspaceId: ws, apiId, name: 'getOrder2', method: 'GET', urlTemplate: '/orders/{orderId}' }),
        ),
      );
      expect(ambiguous).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { urlTemplate: ['Ambiguous with GET /orders/{id}'] } });
      const sameName = await errorOf(
        owner.client.call((c) =>
          c.operations.create({ workspaceId: ws, apiId, name: 'getOrder', method: 'DELETE', urlTemplate: '/orders/{id}' }),
        ),
      );
      expect(sameName.fields).toEqual({ name: ['Already used in this API'] });
      expect(await tableCounts(h.deps.db)).toEqual(before);
      // Another method on the same template is a different route.
      await expect(
        owner.client.call((c) =>
          c.operations.create({ workspaceId: ws, apiId, name: 'deleteOrder', method: 'DELETE', urlTemplate: '/orders/{id}' }),
        ),
      ).resolves.toBeDefined();
    });

    it.each([
      ['orders', 'Must start with "/"'],
      ['/orders/{id', 'Unbalanced braces in "{id"'],
      ['/orders/{id}/items/{id}', 'Parameter "{id}" appears twice'],
    ])('rejects the template %s', async (urlTemplate, message) => {
      const error = await errorOf(
        owner.client.call((c) => c.operations.create({ workspaceId: ws, apiId, name: 'bad', method: 'GET', urlTemplate })),
      );
      expect(error).toMatchObject({ code: 'CP_ERR_VALIDATION', fields: { urlTemplate: [message] } });
    });

    it('rejects a declared path parameter missing from the template', async () => {
      const error = await errorOf(
        owner.client.call((c) =>
          c.operations.create({
            workspaceId: ws,
            apiId,
            name: 'stray',
            method: 'GET',
            urlTemplate: '/stray',
            parameters: [{ name: 'id', in: 'path' }],
          }),
        ),
      );
      expect(error.fields).toEqual({ parameters: ['Path parameter "id" is not in the URL template'] });
    });

    it('updates an operation and keeps routes unambiguous', async () => {
      const a = await owner.client.call((c) =>
        c.operations.create({ workspaceId: ws, apiId, name: 'listA', method: 'GET', urlTemplate: '/a' }),
      );
      await owner.client.call((c) =>
        c.operations.create({ workspaceId: ws, apiId, name: 'listB', method: 'GET', urlTemplate: '/b' }),
      );
      const clash = await errorOf(
        owner.client.call((c) =>
          c.operations.update({ workspaceId: ws, apiId, operationId: a.id, version: a.version, urlTemplate: '/b' }),
        ),
      );
      expect(clash.code).toBe('CP_ERR_CONFLICT');
      const moved = await owner.client.call((c) =>
        c.operations.update({ workspaceId: ws, apiId, operationId: a.id, version: a.version, urlTemplate: '/a/{x}' }),
      );
      expect(moved.parameters).toEqual([{ name: 'x', in: 'path', required: true, schema: { type: 'string' } }]);
    });

    it('an API of another workspace is not found through this one', async () => {
      const other = await owner.client.call((c) => c.workspaces.create({ name: 'Elsewhere' }));
      const error = await errorOf(owner.client.call((c) => c.operations.list({ workspaceId: other.id, apiId })));
      expect(error.code).toBe('CP_ERR_NOT_FOUND');
    });

    it('deleting the API deletes its operations and records both for the gateways', async () => {
      const api = await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Doomed', path: 'doomed' }));
      const op = await owner.client.call((c) =>
        c.operations.create({ workspaceId: ws, apiId: api.id, name: 'x', method: 'GET', urlTemplate: '/x' }),
      );
      await owner.client.call((c) => c.apis.delete({ workspaceId: ws, apiId: api.id }));
      expect((await errorOf(owner.client.call((c) => c.apis.get({ workspaceId: ws, apiId: api.id })))).code).toBe(
        'CP_ERR_NOT_FOUND',
      );
      const [tenant] = await h.deps.db.select().from(tenants).where(eq(tenants.id, owner.tenantId));
      const changes = await h.deps.db.select().from(configChanges).where(eq(configChanges.revision, tenant!.configRevision));
      expect(
        changes
          .filter((c) => c.tenantId === owner.tenantId)
          .map((c) => `${c.entityType}:${c.entityId}:${c.op}`)
          .sort(),
      ).toEqual([`api:${api.id}:delete`, `operation:${op.id}:delete`].sort());
    });
  });
});
