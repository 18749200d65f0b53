import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SUBSCRIPTION_STATES,
  auditLog,
  configChanges,
  subscriptions,
  tenants,
  type SubscriptionState,
} from '../src/db/schema/index.js';
import { TRANSITIONS, type TransitionVerb } from '../src/modules/subscriptions/subscription-states.js';
import { expireDueSubscriptions } from '../src/modules/subscriptions/expire-due-subscriptions.js';
import { addMember, createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const KEY = /^psk_[A-Za-z0-9_-]{43}$/; // 32 random bytes in base64url

describe('subscriptions', () => {
  let h: Harness;
  let owner: SignedUp;
  let developer: SignedUp;
  let ws: string;
  let developersGroup: string;

  /** A product the developer sees in the portal. */
  async function portalProduct(settings: { approvalRequired?: boolean; subscriptionsLimit?: number; terms?: string } = {}) {
    const product = await owner.client.call((c) =>
      c.products.create({ workspaceId: ws, name: `Product ${Math.random().toString(36).slice(2, 8)}`, ...settings }),
    );
    await owner.client.call((c) => c.products.setGroups({ workspaceId: ws, productId: product.id, groupIds: [developersGroup] }));
    await owner.client.call((c) => c.products.publish({ workspaceId: ws, productId: product.id }));
    return product;
  }

  async function row(id: string) {
    const [found] = await h.deps.db.select().from(subscriptions).where(eq(subscriptions.id, id));
    return found!;
  }

  async function lastChanges() {
    const [tenant] = await h.deps.db.select().from(tenants).where(eq(tenants.id, owner.tenantId));
    const rows = await h.deps.db
      .select()
      .from(configChanges)
      .where(and(eq(configChanges.tenantId, owner.tenantId), eq(configChanges.revision, tenant!.configRevision)));
    return rows.map((r) => ({ entityType: r.entityType, entityId: r.entityId, op: r.op }));
  }

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Subscriptions');
    developer = await addMember(h, owner, 'developer');
    ws = owner.workspaceId;
    developersGroup = (await owner.client.call((c) => c.groups.list({}))).items.find((g) => g.builtIn === 'developers')!.id;
  });
  afterAll(() => h.close());

  describe('subscribing from the portal', () => {
    it('is active at once without approval, and returns both keys', async () => {
      const product = await portalProduct();
      const sub = await developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'My app' }));
      expect(sub).toMatchObject({
        ownerId: developer.userId,
        workspaceId: ws,
        scope: 'product',
        scopeId: product.id,
        name: 'My app',
        state: 'active',
        stateComment: null,
        endedAt: null,
      });
      expect(sub.activatedAt).not.toBeNull();
      expect(sub.primaryKey).toMatch(KEY);
      expect(sub.secondaryKey).toMatch(KEY);
      expect(sub.primaryKey).not.toBe(sub.secondaryKey);
      expect(sub.primaryKeyPrefix).toBe(sub.primaryKey.slice(0, 10));
      expect(await lastChanges()).toEqual([{ entityType: 'subscription', entityId: sub.id, op: 'upsert' }]);
      const mine = await developer.client.call((c) => c.subscriptions.listMine({}));
      expect(mine.items.map((s) => s.id)).toContain(sub.id);
    });

    it('waits in submitted when the product requires approval', async () => {
      const product = await portalProduct({ approvalRequired: true });
      const sub = await developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'Pending' }));
      expect(sub).toMatchObject({ state: 'submitted', activatedAt: null });
      const approved = await owner.client.call((c) =>
        c.subscriptions.approve({ workspaceId: ws, subscriptionId: sub.id, reason: 'Looks good' }),
      );
      expect(approved).toMatchObject({ state: 'active', stateComment: 'Looks good' });
      expect(approved.activatedAt).not.toBeNull();
    });

    it('requires the terms to be accepted when the product has some', async () => {
      const product = await portalProduct({ terms: 'No reselling.' });
      const before = await tableCounts(h.deps.db);
      const error = await errorOf(developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'T' })));
      expect(error).toMatchObject({ code: 'CP_ERR_VALIDATION', fields: { acceptTerms: [expect.any(String)] } });
      expect(await tableCounts(h.deps.db)).toEqual(before);
      await expect(
        developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'T', acceptTerms: true })),
      ).resolves.toMatchObject({ state: 'active' });
    });

    it('enforces the per-user limit on live subscriptions', async () => {
      const product = await portalProduct({ subscriptionsLimit: 2 });
      const subscribe = (user: SignedUp) =>
        user.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'Limited' }));
      const first = await subscribe(developer);
      const second = await subscribe(developer);
      await owner.client.call((c) => c.subscriptions.suspend({ workspaceId: ws, subscriptionId: second.id }));
      const over = await errorOf(subscribe(developer));
      expect(over).toMatchObject({ code: 'CP_ERR_CONFLICT' });
      expect(over.message).toMatch(/allows 2 subscription\(s\) per user, and 2 are held already/);
      // The admin side is held to the same limit.
      const byAdmin = await errorOf(
        owner.client.call((c) =>
          c.subscriptions.create({
            workspaceId: ws,
            ownerId: developer.userId,
            scope: 'product',
            productId: product.id,
            name: 'X',
          }),
        ),
      );
      expect(byAdmin.code).toBe('CP_ERR_CONFLICT');
      // Another user has a limit of their own; an ended subscription frees a place.
      await expect(subscribe(owner)).resolves.toMatchObject({ state: 'active' });
      await developer.client.call((c) => c.subscriptions.cancelMine({ subscriptionId: first.id }));
      await expect(subscribe(developer)).resolves.toMatchObject({ state: 'active' });
    });

    it('refuses open products, which need no key', async () => {
      const product = await owner.client.call((c) =>
        c.products.create({ workspaceId: ws, name: 'Open data', subscriptionRequired: false }),
      );
      await owner.client.call((c) =>
        c.products.setGroups({ workspaceId: ws, productId: product.id, groupIds: [developersGroup] }),
      );
      await owner.client.call((c) => c.products.publish({ workspaceId: ws, productId: product.id }));
      const error = await errorOf(developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'O' })));
      expect(error.code).toBe('CP_ERR_CONFLICT');
    });

    it("lets the owner cancel their own subscription, and nobody else's", async () => {
      const product = await portalProduct();
      const mine = await developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'Mine' }));
      const other = await addMember(h, owner, 'developer', undefined, 'other-dev');
      const error = await errorOf(other.client.call((c) => c.subscriptions.cancelMine({ subscriptionId: mine.id })));
      expect(error.code).toBe('CP_ERR_NOT_FOUND');
      const key = await errorOf(
        other.client.call((c) => c.subscriptions.regenerateMyKey({ subscriptionId: mine.id, key: 'primary' })),
      );
      expect(key.code).toBe('CP_ERR_NOT_FOUND');
      expect((await other.client.call((c) => c.subscriptions.listMine({}))).items).toEqual([]);
      const cancelled = await developer.client.call((c) =>
        c.subscriptions.cancelMine({ subscriptionId: mine.id, reason: 'Project over' }),
      );
      expect(cancelled).toMatchObject({ state: 'cancelled', stateComment: 'Project over' });
      expect(cancelled.endedAt).not.toBeNull();
    });
  });

  describe('created by an administrator', () => {
    let productId: string;
    let apiId: string;
    beforeAll(async () => {
      productId = (await portalProduct()).id;
      apiId = (await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Direct', path: 'direct' }))).id;
    });

    type Scope = 'product' | 'api' | 'all_apis';
    type ScopeIds = () => { productId?: string; apiId?: string };

    it.each<[Scope, ScopeIds, () => string | null]>([
      ['product', () => ({ productId }), () => productId],
      ['api', () => ({ apiId }), () => apiId],
      ['all_apis', () => ({}), () => null],
    ])('scoped to %s', async (scope, ids, scopeId) => {
      const sub = await owner.client.call((c) =>
        c.subscriptions.create({ workspaceId: ws, ownerId: developer.userId, scope, name: `For ${scope}`, ...ids() }),
      );
      expect(sub).toMatchObject({ scope, scopeId: scopeId(), state: 'active', ownerId: developer.userId, workspaceId: ws });
      expect(sub.primaryKey).toMatch(KEY);
    });

    it.each<[Scope, ScopeIds, string]>([
      ['product', () => ({}), 'productId'],
      ['api', () => ({}), 'apiId'],
      ['all_apis', () => ({ productId }), 'productId'],
      ['product', () => ({ productId, apiId }), 'apiId'],
    ])('checks that a %s scope has the right id', async (scope, ids, field) => {
      const error = await errorOf(
        owner.client.call((c) =>
          c.subscriptions.create({ workspaceId: ws, ownerId: developer.userId, scope, name: 'Bad', ...ids() }),
        ),
      );
      expect(error.code).toBe('CP_ERR_VALIDATION');
      expect(Object.keys(error.fields ?? {})).toEqual([field]);
    });

    it('only for members of the tenant, on entities of the workspace', async () => {
      const outsider = await signUp(h, 'Outside');
      const noOwner = await errorOf(
        owner.client.call((c) =>
          c.subscriptions.create({ workspaceId: ws, ownerId: outsider.userId, scope: 'all_apis', name: 'N' }),
        ),
      );
      expect(noOwner.code).toBe('CP_ERR_NOT_FOUND');
      const other = await owner.client.call((c) => c.workspaces.create({ name: 'Other workspace' }));
      const foreignApi = await owner.client.call((c) => c.apis.create({ workspaceId: other.id, name: 'Far', path: 'far-away' }));
      const wrongWorkspace = await errorOf(
        owner.client.call((c) =>
          c.subscriptions.create({ workspaceId: ws, ownerId: developer.userId, scope: 'api', apiId: foreignApi.id, name: 'N' }),
        ),
      );
      expect(wrongWorkspace.code).toBe('CP_ERR_NOT_FOUND');
    });

    it('filters lists by state, product and owner; another tenant’s ids filter to nothing', async () => {
      const product = await portalProduct();
      const mine = await owner.client.call((c) =>
        c.subscriptions.create({ workspaceId: ws, ownerId: owner.userId, scope: 'product', productId: product.id, name: 'Own' }),
      );
      const theirs = await developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'Dev' }));
      await owner.client.call((c) => c.subscriptions.suspend({ workspaceId: ws, subscriptionId: theirs.id }));
      const list = async (filters: { state?: SubscriptionState; productId?: string; ownerId?: string }) =>
        (await owner.client.call((c) => c.subscriptions.list({ workspaceId: ws, ...filters }))).items.map((s) => s.id);
      expect(await list({ productId: product.id })).toEqual([mine.id, theirs.id]);
      expect(await list({ productId: product.id, ownerId: developer.userId })).toEqual([theirs.id]);
      expect(await list({ productId: product.id, state: 'active' })).toEqual([mine.id]);
      const stranger = await signUp(h, 'Stranger tenant');
      const strangerProduct = await stranger.client.call((c) =>
        c.products.create({ workspaceId: stranger.workspaceId, name: 'Theirs' }),
      );
      await stranger.client.call((c) =>
        c.subscriptions.create({
          workspaceId: stranger.workspaceId,
          ownerId: stranger.userId,
          scope: 'product',
          productId: strangerProduct.id,
          name: 'Theirs',
        }),
      );
      expect(await list({ productId: strangerProduct.id })).toEqual([]);
      expect(await list({ ownerId: stranger.userId })).toEqual([]);
    });
  });

  describe('lifecycle', () => {
    /** A subscription put straight into `state`, so every arrow is tried from every state. */
    async function subscriptionIn(state: SubscriptionState) {
      const sub = await owner.client.call((c) =>
        c.subscriptions.create({ workspaceId: ws, ownerId: developer.userId, scope: 'all_apis', name: `In ${state}` }),
      );
      await h.deps.db.update(subscriptions).set({ state }).where(eq(subscriptions.id, sub.id));
      return sub.id;
    }

    const EXPECTED: Record<TransitionVerb, Partial<Record<SubscriptionState, SubscriptionState>>> = {
      approve: { submitted: 'active' },
      reject: { submitted: 'rejected' },
      suspend: { active: 'suspended' },
      reactivate: { suspended: 'active' },
      cancel: { submitted: 'cancelled', active: 'cancelled', suspended: 'cancelled' },
      expire: { active: 'expired', suspended: 'expired' },
    };

    it('the table in code is the one this test expects', () => {
      const fromCode = Object.fromEntries(
        Object.entries(TRANSITIONS).map(([verb, t]) => [verb, Object.fromEntries(t.from.map((s) => [s, t.to]))]),
      );
      expect(fromCode).toEqual(EXPECTED);
    });

    const cases = (Object.keys(EXPECTED) as TransitionVerb[]).flatMap((verb) =>
      SUBSCRIPTION_STATES.map((from) => ({ verb, from, to: EXPECTED[verb][from] })),
    );

    it.each(cases.filter((c) => c.to))('$verb: $from → $to, with the reason kept and audited', async ({ verb, from, to }) => {
      const id = await subscriptionIn(from);
      const after = await owner.client.call((c) =>
        c.subscriptions[verb]({ workspaceId: ws, subscriptionId: id, reason: `Because ${verb}` }),
      );
      expect(after).toMatchObject({ state: to, stateComment: `Because ${verb}` });
      expect(after.endedAt === null).toBe(!['rejected', 'cancelled', 'expired'].includes(to!));
      if (to === 'active') expect(after.activatedAt).not.toBeNull();
      expect(await lastChanges()).toEqual([{ entityType: 'subscription', entityId: id, op: 'upsert' }]);
      const audit = await owner.client.call((c) => c.audit.list({ targetId: id, action: `subscription.${verb}` }));
      expect(audit.items.map((a) => a.diff)).toEqual([{ state: [from, to], reason: [null, `Because ${verb}`] }]);
    });

    it.each(cases.filter((c) => !c.to))('$verb from $from is refused', async ({ verb, from }) => {
      const id = await subscriptionIn(from);
      const before = await tableCounts(h.deps.db);
      const error = await errorOf(owner.client.call((c) => c.subscriptions[verb]({ workspaceId: ws, subscriptionId: id })));
      const article = /^[aeiou]/.test(from) ? 'an' : 'a';
      expect(error).toEqual({ code: 'CP_ERR_CONFLICT', message: `cannot ${verb} ${article} ${from} subscription` });
      expect(await tableCounts(h.deps.db)).toEqual(before);
      expect((await row(id)).state).toBe(from);
    });

    it('a transition without a reason clears the previous comment', async () => {
      const id = await subscriptionIn('active');
      await owner.client.call((c) => c.subscriptions.suspend({ workspaceId: ws, subscriptionId: id, reason: 'Abuse' }));
      const back = await owner.client.call((c) => c.subscriptions.reactivate({ workspaceId: ws, subscriptionId: id }));
      expect(back).toMatchObject({ state: 'active', stateComment: null });
      const audit = await owner.client.call((c) => c.audit.list({ targetId: id, action: 'subscription.reactivate' }));
      expect(audit.items[0]?.diff).toEqual({ state: ['suspended', 'active'] });
    });
  });

  describe('keys', () => {
    it('are shown once, stored only as SHA-256, and never listed, read or audited', async () => {
      const product = await portalProduct();
      const sub = await developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'Keys' }));
      const keys = [sub.primaryKey, sub.secondaryKey];

      const stored = await row(sub.id);
      expect(stored.primaryKeyHash).toBe(sha256(sub.primaryKey));
      expect(stored.secondaryKeyHash).toBe(sha256(sub.secondaryKey));
      const storedText = JSON.stringify(stored);
      for (const key of keys) expect(storedText).not.toContain(key);

      const regeneratedPrimary = await owner.client.call((c) =>
        c.subscriptions.regeneratePrimaryKey({ workspaceId: ws, subscriptionId: sub.id }),
      );
      expect(regeneratedPrimary).toMatchObject({ regenerated: 'primary', secondaryKeyPrefix: sub.secondaryKeyPrefix });
      expect(regeneratedPrimary.key).toMatch(KEY);
      keys.push(regeneratedPrimary.key);
      const afterPrimary = await row(sub.id);
      expect(afterPrimary.primaryKeyHash).toBe(sha256(regeneratedPrimary.key));
      expect(afterPrimary.secondaryKeyHash).toBe(stored.secondaryKeyHash);
      expect(await lastChanges()).toEqual([{ entityType: 'subscription', entityId: sub.id, op: 'upsert' }]);

      const regeneratedSecondary = await developer.client.call((c) =>
        c.subscriptions.regenerateMyKey({ subscriptionId: sub.id, key: 'secondary' }),
      );
      expect(regeneratedSecondary).toMatchObject({
        regenerated: 'secondary',
        primaryKeyPrefix: regeneratedPrimary.primaryKeyPrefix,
      });
      keys.push(regeneratedSecondary.key);
      const afterSecondary = await row(sub.id);
      expect(afterSecondary.primaryKeyHash).toBe(afterPrimary.primaryKeyHash);
      expect(afterSecondary.secondaryKeyHash).toBe(sha256(regeneratedSecondary.key));

      const adminSecondary = await owner.client.call((c) =>
        c.subscriptions.regenerateSecondaryKey({ workspaceId: ws, subscriptionId: sub.id }),
      );
      keys.push(adminSecondary.key);
      const myPrimary = await developer.client.call((c) =>
        c.subscriptions.regenerateMyKey({ subscriptionId: sub.id, key: 'primary' }),
      );
      keys.push(myPrimary.key);
      const final = await row(sub.id);
      expect(final.secondaryKeyHash).toBe(sha256(adminSecondary.key));
      expect(final.primaryKeyHash).toBe(sha256(myPrimary.key));

      const reads = JSON.stringify([
        await owner.client.call((c) => c.subscriptions.get({ workspaceId: ws, subscriptionId: sub.id })),
        await owner.client.call((c) => c.subscriptions.list({ workspaceId: ws })),
        await developer.client.call((c) => c.subscriptions.listMine({})),
        await owner.client.call((c) => c.audit.list({ targetId: sub.id })),
        await h.deps.db.select().from(auditLog).where(eq(auditLog.targetId, sub.id)),
        await h.deps.db.select().from(subscriptions),
      ]);
      for (const key of new Set(keys)) expect(reads).not.toContain(key);
      expect(new Set(keys).size).toBe(keys.length);
      const audit = await owner.client.call((c) => c.audit.list({ targetId: sub.id }));
      expect(audit.items.map((a) => a.action).reverse()).toEqual([
        'subscription.create',
        'subscription.regenerate_primary_key',
        'subscription.regenerate_secondary_key',
        'subscription.regenerate_secondary_key',
        'subscription.regenerate_primary_key',
      ]);
    });

    it('of an ended subscription cannot be regenerated', async () => {
      const product = await portalProduct();
      const sub = await developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'Ended' }));
      await developer.client.call((c) => c.subscriptions.cancelMine({ subscriptionId: sub.id }));
      const error = await errorOf(
        developer.client.call((c) => c.subscriptions.regenerateMyKey({ subscriptionId: sub.id, key: 'primary' })),
      );
      expect(error).toEqual({ code: 'CP_ERR_CONFLICT', message: 'cannot regenerate the keys of a cancelled subscription' });
      const admin = await errorOf(
        owner.client.call((c) => c.subscriptions.regeneratePrimaryKey({ workspaceId: ws, subscriptionId: sub.id })),
      );
      expect(admin.code).toBe('CP_ERR_CONFLICT');
    });
  });

  describe('expiry', () => {
    it('the background sweep expires subscriptions past their end, audited, for the gateways', async () => {
      const product = await portalProduct();
      const due = await developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'Due' }));
      const later = await developer.client.call((c) => c.subscriptions.subscribe({ productId: product.id, name: 'Later' }));
      await h.deps.db
        .update(subscriptions)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(subscriptions.id, due.id));
      await h.deps.db
        .update(subscriptions)
        .set({ expiresAt: new Date(Date.now() + 3_600_000) })
        .where(eq(subscriptions.id, later.id));
      expect(await expireDueSubscriptions(h.deps.db)).toBeGreaterThanOrEqual(1);
      expect(await row(due.id)).toMatchObject({ state: 'expired', stateComment: 'Expired at the end of its term' });
      expect((await row(later.id)).state).toBe('active');
      expect(await lastChanges()).toContainEqual({ entityType: 'subscription', entityId: due.id, op: 'upsert' });
      const audit = await owner.client.call((c) => c.audit.list({ targetId: due.id }));
      expect(audit.items[0]).toMatchObject({ action: 'subscription.expire', actorId: null, actorVia: 'system' });
      // A second sweep finds nothing more to do.
      const again = await expireDueSubscriptions(h.deps.db);
      expect((await row(due.id)).state).toBe('expired');
      expect(again).toBe(0);
    });
  });
});
