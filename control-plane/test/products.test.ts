import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configChanges, productApis, tenants } from '../src/db/schema/index.js';
import { addMember, createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

describe('products', () => {
  let h: Harness;
  let owner: SignedUp;
  let ws: string;
  let builtIn: Record<'administrators' | 'developers' | 'guests', string>;

  /** The config changes of the tenant's latest revision. */
  async function lastChanges(tenantId = owner.tenantId) {
    const [tenant] = await h.deps.db.select().from(tenants).where(eq(tenants.id, tenantId));
    const rows = await h.deps.db
      .select()
      .from(configChanges)
      .where(and(eq(configChanges.tenantId, tenantId), eq(configChanges.revision, tenant!.configRevision)));
    return rows.map((r) => ({ entityType: r.entityType, entityId: r.entityId, op: r.op }));
  }

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Products');
    ws = owner.workspaceId;
    const groups = await owner.client.call((c) => c.groups.list({}));
    builtIn = Object.fromEntries(groups.items.map((g) => [g.builtIn, g.id])) as typeof builtIn;
  });
  afterAll(() => h.close());

  it('creates an unpublished, protected product visible to nobody, recording a config change', async () => {
    const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Starter' }));
    expect(product).toMatchObject({
      workspaceId: ws,
      name: 'Starter',
      state: 'unpublished',
      subscriptionRequired: true,
      approvalRequired: false,
      subscriptionsLimit: null,
      terms: '',
      groupIds: [],
      version: 1,
    });
    expect(await lastChanges()).toEqual([{ entityType: 'product', entityId: product.id, op: 'upsert' }]);
    const listed = await owner.client.call((c) => c.products.list({ workspaceId: ws, search: 'START' }));
    expect(listed.items.map((p) => p.id)).toEqual([product.id]);
    const taken = await errorOf(owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Starter' })));
    expect(taken).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { name: ['Already used in this workspace'] } });
  });

  it('refuses approval on an open product with a field error, on create and on update', async () => {
    const before = await tableCounts(h.deps.db);
    const error = await errorOf(
      owner.client.call((c) =>
        c.products.create({ workspaceId: ws, name: 'Open', subscriptionRequired: false, approvalRequired: true }),
      ),
    );
    expect(error).toMatchObject({ code: 'CP_ERR_VALIDATION', fields: { approvalRequired: [expect.any(String)] } });
    expect(await tableCounts(h.deps.db)).toEqual(before);

    const gated = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Gated', approvalRequired: true }));
    const opening = await errorOf(
      owner.client.call((c) =>
        c.products.update({ workspaceId: ws, productId: gated.id, version: 1, subscriptionRequired: false }),
      ),
    );
    expect(opening.fields).toEqual({ approvalRequired: [expect.any(String)] });
    const opened = await owner.client.call((c) =>
      c.products.update({
        workspaceId: ws,
        productId: gated.id,
        version: 1,
        subscriptionRequired: false,
        approvalRequired: false,
      }),
    );
    expect(opened).toMatchObject({ subscriptionRequired: false, approvalRequired: false, version: 2 });
  });

  it.each([0, -1, 1.5])('refuses a subscriptions limit of %s', async (limit) => {
    const error = await errorOf(
      owner.client.call((c) => c.products.create({ workspaceId: ws, name: `Limit ${limit}`, subscriptionsLimit: limit })),
    );
    expect(error.code).toBe('CP_ERR_VALIDATION');
    expect(error.fields?.subscriptionsLimit).toBeDefined();
  });

  it('updates settings with optimistic concurrency', async () => {
    const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Pro' }));
    const updated = await owner.client.call((c) =>
      c.products.update({ workspaceId: ws, productId: product.id, version: 1, subscriptionsLimit: 2, terms: 'Be nice.' }),
    );
    expect(updated).toMatchObject({ subscriptionsLimit: 2, terms: 'Be nice.', version: 2 });
    const unlimited = await owner.client.call((c) =>
      c.products.update({ workspaceId: ws, productId: product.id, version: 2, subscriptionsLimit: null }),
    );
    expect(unlimited.subscriptionsLimit).toBeNull();
    const stale = await errorOf(
      owner.client.call((c) => c.products.update({ workspaceId: ws, productId: product.id, version: 1, name: 'Lost' })),
    );
    expect(stale).toMatchObject({ code: 'CP_ERR_VERSION_MISMATCH', fields: { version: ['Current version is 3'] } });
    const audit = await owner.client.call((c) => c.audit.list({ targetId: product.id, action: 'product.update' }));
    expect(audit.items.map((a) => a.diff)).toEqual([
      { subscriptionsLimit: [2, null] },
      { subscriptionsLimit: [null, 2], terms: ['', 'Be nice.'] },
    ]);
  });

  it('publishes and unpublishes', async () => {
    const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Published' }));
    const published = await owner.client.call((c) => c.products.publish({ workspaceId: ws, productId: product.id }));
    expect(published).toMatchObject({ state: 'published', version: 2 });
    expect(await lastChanges()).toEqual([{ entityType: 'product', entityId: product.id, op: 'upsert' }]);
    // Publishing again changes nothing.
    expect(await owner.client.call((c) => c.products.publish({ workspaceId: ws, productId: product.id }))).toMatchObject({
      version: 2,
    });
    const unpublished = await owner.client.call((c) => c.products.unpublish({ workspaceId: ws, productId: product.id }));
    expect(unpublished).toMatchObject({ state: 'unpublished', version: 3 });
    const listed = await owner.client.call((c) => c.products.list({ workspaceId: ws, state: 'published' }));
    expect(listed.items.map((p) => p.id)).not.toContain(product.id);
  });

  it('adds and removes APIs of its own workspace only', async () => {
    const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'With APIs' }));
    const api = await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Orders', path: 'orders' }));
    const other = await owner.client.call((c) => c.workspaces.create({ name: 'Elsewhere' }));
    const foreign = await owner.client.call((c) => c.apis.create({ workspaceId: other.id, name: 'Far', path: 'far' }));

    await owner.client.call((c) => c.products.addApi({ workspaceId: ws, productId: product.id, apiId: api.id }));
    const key = `${product.id}:${api.id}`;
    expect(await lastChanges()).toEqual([{ entityType: 'product_api', entityId: key, op: 'upsert' }]);
    await owner.client.call((c) => c.products.addApi({ workspaceId: ws, productId: product.id, apiId: api.id }));
    expect(await h.deps.db.$count(productApis, eq(productApis.productId, product.id))).toBe(1);
    const wrongWorkspace = await errorOf(
      owner.client.call((c) => c.products.addApi({ workspaceId: ws, productId: product.id, apiId: foreign.id })),
    );
    expect(wrongWorkspace.code).toBe('CP_ERR_NOT_FOUND');

    const listed = await owner.client.call((c) => c.products.listApis({ workspaceId: ws, productId: product.id }));
    expect(listed.items.map((a) => [a.id, a.path])).toEqual([[api.id, 'orders']]);

    await owner.client.call((c) => c.products.removeApi({ workspaceId: ws, productId: product.id, apiId: api.id }));
    expect(await lastChanges()).toEqual([{ entityType: 'product_api', entityId: key, op: 'delete' }]);
    const again = await errorOf(
      owner.client.call((c) => c.products.removeApi({ workspaceId: ws, productId: product.id, apiId: api.id })),
    );
    expect(again.code).toBe('CP_ERR_NOT_FOUND');
    expect((await owner.client.call((c) => c.products.listApis({ workspaceId: ws, productId: product.id }))).items).toEqual([]);
  });

  it('sets visible groups of its own tenant', async () => {
    const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Visible' }));
    const partners = await owner.client.call((c) => c.groups.create({ name: 'Partners' }));
    const set = await owner.client.call((c) =>
      c.products.setGroups({ workspaceId: ws, productId: product.id, groupIds: [partners.id, builtIn.developers, partners.id] }),
    );
    expect(set.groupIds).toEqual([partners.id, builtIn.developers].sort());
    expect((await owner.client.call((c) => c.products.get({ workspaceId: ws, productId: product.id }))).groupIds).toEqual(
      set.groupIds,
    );

    const stranger = await signUp(h, 'Strangers');
    const theirs = (await stranger.client.call((c) => c.groups.list({}))).items[0]!;
    const error = await errorOf(
      owner.client.call((c) => c.products.setGroups({ workspaceId: ws, productId: product.id, groupIds: [theirs.id] })),
    );
    expect(error.code).toBe('CP_ERR_NOT_FOUND');

    // Deleting a group takes it off the products it made visible.
    await owner.client.call((c) => c.groups.delete({ groupId: partners.id }));
    expect((await owner.client.call((c) => c.products.get({ workspaceId: ws, productId: product.id }))).groupIds).toEqual([
      builtIn.developers,
    ]);
    const cleared = await owner.client.call((c) =>
      c.products.setGroups({ workspaceId: ws, productId: product.id, groupIds: [] }),
    );
    expect(cleared.groupIds).toEqual([]);
  });

  describe('deletion', () => {
    it('deletes a product without subscriptions, with its API links', async () => {
      const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Short-lived' }));
      const api = await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Brief', path: 'brief' }));
      await owner.client.call((c) => c.products.addApi({ workspaceId: ws, productId: product.id, apiId: api.id }));
      await owner.client.call((c) => c.products.delete({ workspaceId: ws, productId: product.id }));
      expect((await errorOf(owner.client.call((c) => c.products.get({ workspaceId: ws, productId: product.id })))).code).toBe(
        'CP_ERR_NOT_FOUND',
      );
      expect((await lastChanges()).sort((a, b) => a.entityType.localeCompare(b.entityType))).toEqual([
        { entityType: 'product', entityId: product.id, op: 'delete' },
        { entityType: 'product_api', entityId: `${product.id}:${api.id}`, op: 'delete' },
      ]);
    });

    it('is refused while live subscriptions exist, unless asked to cancel them', async () => {
      const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Subscribed' }));
      const make = () =>
        owner.client.call((c) =>
          c.subscriptions.create({
            workspaceId: ws,
            ownerId: owner.userId,
            scope: 'product',
            productId: product.id,
            name: 'App',
          }),
        );
      const active = await make();
      const suspended = await make();
      await owner.client.call((c) => c.subscriptions.suspend({ workspaceId: ws, subscriptionId: suspended.id }));
      const ended = await make();
      await owner.client.call((c) => c.subscriptions.cancel({ workspaceId: ws, subscriptionId: ended.id }));

      const before = await tableCounts(h.deps.db);
      const refused = await errorOf(owner.client.call((c) => c.products.delete({ workspaceId: ws, productId: product.id })));
      expect(refused).toMatchObject({
        code: 'CP_ERR_CONFLICT',
        fields: { deleteSubscriptions: ['2 live subscription(s) would be cancelled'] },
      });
      expect(await tableCounts(h.deps.db)).toEqual(before);

      await owner.client.call((c) => c.products.delete({ workspaceId: ws, productId: product.id, deleteSubscriptions: true }));
      const left = await owner.client.call((c) => c.subscriptions.list({ workspaceId: ws, productId: product.id }));
      expect(left.items.map((s) => [s.id, s.state, s.stateComment])).toEqual([
        [active.id, 'cancelled', 'The product was deleted'],
        [suspended.id, 'cancelled', 'The product was deleted'],
        [ended.id, 'cancelled', null],
      ]);
      const changes = await lastChanges();
      expect(changes).toEqual(
        expect.arrayContaining([
          { entityType: 'product', entityId: product.id, op: 'delete' },
          { entityType: 'subscription', entityId: active.id, op: 'upsert' },
          { entityType: 'subscription', entityId: suspended.id, op: 'upsert' },
        ]),
      );
      const audit = await owner.client.call((c) => c.audit.list({ targetId: active.id, action: 'subscription.cancel' }));
      expect(audit.items[0]?.diff).toEqual({ state: ['active', 'cancelled'], reason: [null, 'The product was deleted'] });
    });
  });

  describe('visibility in the developer portal', () => {
    it('shows a user only published products visible to one of their groups, across workspaces', async () => {
      const tenant = await signUp(h, 'Portal');
      const admin = await addMember(h, tenant, 'admin');
      const developer = await addMember(h, tenant, 'developer');
      const groups = await tenant.client.call((c) => c.groups.list({}));
      const id = (name: string) => groups.items.find((g) => g.builtIn === name)!.id;
      const partners = await tenant.client.call((c) => c.groups.create({ name: 'Partners' }));
      const second = await tenant.client.call((c) => c.workspaces.create({ name: 'Second' }));

      async function product(name: string, groupIds: string[], publish = true, workspaceId = tenant.workspaceId) {
        const p = await tenant.client.call((c) => c.products.create({ workspaceId, name }));
        await tenant.client.call((c) => c.products.setGroups({ workspaceId, productId: p.id, groupIds }));
        if (publish) await tenant.client.call((c) => c.products.publish({ workspaceId, productId: p.id }));
        return p.id;
      }
      const forDevelopers = await product('For developers', [id('developers')]);
      const draft = await product('Draft', [id('developers')], false);
      const guestsOnly = await product('Guests only', [id('guests')]);
      const adminsOnly = await product('Admins only', [id('administrators')]);
      const partnersOnly = await product('Partners only', [partners.id]);
      const hidden = await product('Hidden', []);
      const elsewhere = await product('Elsewhere', [id('developers'), id('guests')], true, second.id);

      const seen = async (user: SignedUp) =>
        (await user.client.call((c) => c.subscriptions.listProducts({}))).items.map((p) => p.id);
      expect(await seen(developer)).toEqual([forDevelopers, elsewhere]);
      expect(await seen(admin)).toEqual([forDevelopers, adminsOnly, elsewhere]);

      await tenant.client.call((c) => c.groups.addMember({ groupId: partners.id, userId: developer.userId }));
      expect(await seen(developer)).toEqual([forDevelopers, partnersOnly, elsewhere]);

      // What cannot be seen cannot be subscribed to, and says nothing about existing.
      for (const productId of [draft, guestsOnly, adminsOnly, hidden]) {
        const error = await errorOf(developer.client.call((c) => c.subscriptions.subscribe({ productId, name: 'Try' })));
        expect(error.code, productId).toBe('CP_ERR_NOT_FOUND');
      }
      await tenant.client.call((c) => c.products.unpublish({ workspaceId: tenant.workspaceId, productId: forDevelopers }));
      expect(await seen(developer)).toEqual([partnersOnly, elsewhere]);
    });

    it('lists the APIs and terms of a visible product', async () => {
      const tenant = await signUp(h, 'Catalogue');
      const developers = (await tenant.client.call((c) => c.groups.list({}))).items.find((g) => g.builtIn === 'developers')!;
      const workspaceId = tenant.workspaceId;
      const p = await tenant.client.call((c) => c.products.create({ workspaceId, name: 'Weather', terms: 'No scraping.' }));
      const api = await tenant.client.call((c) => c.apis.create({ workspaceId, name: 'Forecast', path: 'forecast' }));
      await tenant.client.call((c) => c.products.addApi({ workspaceId, productId: p.id, apiId: api.id }));
      await tenant.client.call((c) => c.products.setGroups({ workspaceId, productId: p.id, groupIds: [developers.id] }));
      await tenant.client.call((c) => c.products.publish({ workspaceId, productId: p.id }));
      const listed = await tenant.client.call((c) => c.subscriptions.listProducts({}));
      expect(listed.items).toEqual([
        {
          id: p.id,
          name: 'Weather',
          description: '',
          subscriptionRequired: true,
          approvalRequired: false,
          subscriptionsLimit: null,
          terms: 'No scraping.',
          apis: [{ id: api.id, name: 'Forecast', description: '', path: 'forecast' }],
        },
      ]);
    });
  });
});
