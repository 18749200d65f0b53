import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, configChanges, groupMembers, policyDocuments, subscriptions, tenants } from '../src/db/schema/index.js';
import { addMember, createHarness, signUp, type Harness, type SignedUp } from './harness.js';

/**
 * `policy_documents.scope_id` and `subscriptions.scope_id` name products, APIs and operations
 * polymorphically (no foreign key), and group memberships outlive a tenant membership unless
 * removed: each deletion cleans up in its own transaction. These tests read the rows.
 */
describe('cascades', () => {
  let h: Harness;
  let owner: SignedUp;
  let ws: string;

  async function lastChanges() {
    const [tenant] = await h.deps.db.select().from(tenants).where(eq(tenants.id, owner.tenantId));
    const rows = await h.deps.db
      .select()
      .from(configChanges)
      .where(and(eq(configChanges.tenantId, owner.tenantId), eq(configChanges.revision, tenant!.configRevision)));
    return rows.map((r) => `${r.entityType}:${r.entityId}:${r.op}`).sort();
  }

  const documentsAt = (scopeIds: string[]) =>
    h.deps.db
      .select({ scopeId: policyDocuments.scopeId })
      .from(policyDocuments)
      .where(inArray(policyDocuments.scopeId, scopeIds));

  async function apiWithOperation(name: string) {
    const api = await owner.client.call((c) => c.apis.create({ workspaceId: ws, name, path: name.toLowerCase() }));
    const op = await owner.client.call((c) =>
      c.operations.create({ workspaceId: ws, apiId: api.id, name: 'list', method: 'GET', urlTemplate: '/items' }),
    );
    await owner.client.call((c) =>
      c.policies.api.set({ workspaceId: ws, apiId: api.id, source: 'inbound:\n  - base: {}\n  - set-status: { code: 200 }\n' }),
    );
    await owner.client.call((c) =>
      c.policies.operation.set({
        workspaceId: ws,
        apiId: api.id,
        operationId: op.id,
        source: 'inbound:\n  - base: {}\n  - set-header: { name: x-op, value: ["list"] }\n',
      }),
    );
    return { api, op };
  }

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Cascades');
    ws = owner.workspaceId;
  });
  afterAll(() => h.close());

  it("apis.delete deletes the API's and its operations' documents and cancels its live subscriptions", async () => {
    const { api, op } = await apiWithOperation('Doomed');
    const kept = await apiWithOperation('Kept');
    const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Bundle' }));
    await owner.client.call((c) => c.products.addApi({ workspaceId: ws, productId: product.id, apiId: api.id }));
    const gateway = await owner.client.call((c) => c.gateways.create({ name: 'Edge' }));
    await owner.client.call((c) => c.gateways.assignApi({ gatewayId: gateway.id, apiId: api.id }));
    const subscribe = (apiId: string, name: string) =>
      owner.client.call((c) => c.subscriptions.create({ workspaceId: ws, ownerId: owner.userId, scope: 'api', apiId, name }));
    const live = await subscribe(api.id, 'Live');
    const suspended = await subscribe(api.id, 'Suspended');
    await owner.client.call((c) => c.subscriptions.suspend({ workspaceId: ws, subscriptionId: suspended.id }));
    const ended = await subscribe(api.id, 'Ended');
    await owner.client.call((c) =>
      c.subscriptions.cancel({ workspaceId: ws, subscriptionId: ended.id, reason: 'No longer needed' }),
    );
    const elsewhere = await subscribe(kept.api.id, 'Other API');
    const [endedBefore] = await h.deps.db.select().from(subscriptions).where(eq(subscriptions.id, ended.id));
    const documents = await h.deps.db
      .select({ id: policyDocuments.id })
      .from(policyDocuments)
      .where(inArray(policyDocuments.scopeId, [api.id, op.id]));
    expect(documents).toHaveLength(2);

    await owner.client.call((c) => c.apis.delete({ workspaceId: ws, apiId: api.id }));

    expect(await documentsAt([api.id, op.id, kept.api.id, kept.op.id])).toEqual(
      expect.arrayContaining([{ scopeId: kept.api.id }, { scopeId: kept.op.id }]),
    );
    expect((await documentsAt([api.id, op.id])).length).toBe(0);
    const rows = await h.deps.db
      .select()
      .from(subscriptions)
      .where(inArray(subscriptions.id, [live.id, suspended.id, ended.id, elsewhere.id]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of [live.id, suspended.id]) {
      expect(byId.get(id)).toMatchObject({
        state: 'cancelled',
        stateComment: 'The API was deleted',
        endedAt: expect.any(Date) as unknown,
      });
    }
    // Already ended: left as history, untouched.
    expect(byId.get(ended.id)).toEqual(endedBefore);
    expect(byId.get(elsewhere.id)).toMatchObject({ state: 'active', endedAt: null });

    expect(await lastChanges()).toEqual(
      [
        `api:${api.id}:delete`,
        `operation:${op.id}:delete`,
        ...documents.map((d) => `policy_document:${d.id}:delete`),
        `product_api:${product.id}:${api.id}:delete`,
        `gateway_api:${gateway.id}:${api.id}:delete`,
        `subscription:${live.id}:upsert`,
        `subscription:${suspended.id}:upsert`,
      ].sort(),
    );

    const audit = await h.deps.db
      .select({ action: auditLog.action, targetId: auditLog.targetId, diff: auditLog.diff })
      .from(auditLog)
      .where(inArray(auditLog.targetId, [api.id, op.id, live.id, suspended.id]));
    const actions = audit.map((a) => `${a.action}:${a.targetId}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `api.delete:${api.id}`,
        `policy.delete:${api.id}`,
        `policy.delete:${op.id}`,
        `subscription.cancel:${live.id}`,
        `subscription.cancel:${suspended.id}`,
      ]),
    );
    expect(audit.find((a) => a.action === 'api.delete')!.diff).toMatchObject({
      operations: [1, null],
      policies: [2, null],
      cancelledSubscriptions: [null, 2],
    });
    expect(audit.find((a) => a.action === 'policy.delete' && a.targetId === op.id)!.diff).toEqual({
      source: ['inbound:\n  - base: {}\n  - set-header: { name: x-op, value: ["list"] }\n', null],
    });
  });

  it("operations.delete deletes the operation's document only", async () => {
    const { api, op } = await apiWithOperation('Trimmed');
    const [document] = await h.deps.db
      .select({ id: policyDocuments.id })
      .from(policyDocuments)
      .where(and(eq(policyDocuments.scope, 'operation'), eq(policyDocuments.scopeId, op.id)));
    await owner.client.call((c) => c.operations.delete({ workspaceId: ws, apiId: api.id, operationId: op.id }));
    expect(await documentsAt([api.id, op.id])).toEqual([{ scopeId: api.id }]);
    expect(await lastChanges()).toEqual([`operation:${op.id}:delete`, `policy_document:${document!.id}:delete`].sort());
    const audit = await h.deps.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.targetId, op.id), eq(auditLog.targetType, 'operation_policy')));
    expect(audit.map((a) => a.action).sort()).toEqual(['policy.create', 'policy.delete']);
    // Without a document, nothing more is recorded.
    const bare = await owner.client.call((c) =>
      c.operations.create({ workspaceId: ws, apiId: api.id, name: 'bare', method: 'POST', urlTemplate: '/items' }),
    );
    await owner.client.call((c) => c.operations.delete({ workspaceId: ws, apiId: api.id, operationId: bare.id }));
    expect(await lastChanges()).toEqual([`operation:${bare.id}:delete`]);
  });

  it("products.delete deletes the product's document", async () => {
    const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Gold' }));
    const other = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Silver' }));
    const source = 'inbound:\n  - base: {}\n  - rate-limit: { calls: 10, renewal-period: 60 }\n';
    const document = await owner.client.call((c) => c.policies.product.set({ workspaceId: ws, productId: product.id, source }));
    await owner.client.call((c) => c.policies.product.set({ workspaceId: ws, productId: other.id, source }));
    await owner.client.call((c) => c.products.delete({ workspaceId: ws, productId: product.id }));
    expect(await documentsAt([product.id, other.id])).toEqual([{ scopeId: other.id }]);
    expect(await lastChanges()).toEqual([`policy_document:${document.id}:delete`, `product:${product.id}:delete`]);
    const [audit] = await h.deps.db
      .select({ diff: auditLog.diff })
      .from(auditLog)
      .where(and(eq(auditLog.targetId, product.id), eq(auditLog.action, 'policy.delete')));
    expect(audit!.diff).toEqual({ source: [source, null] });
  });

  it("members.remove deletes the member's group memberships in the tenant", async () => {
    const member = await addMember(h, owner, 'member');
    const stays = await addMember(h, owner, 'member', undefined, 'stays');
    const partners = await owner.client.call((c) => c.groups.create({ name: 'Partners' }));
    const beta = await owner.client.call((c) => c.groups.create({ name: 'Beta testers' }));
    for (const groupId of [partners.id, beta.id]) {
      await owner.client.call((c) => c.groups.addMember({ groupId, userId: member.userId }));
    }
    await owner.client.call((c) => c.groups.addMember({ groupId: partners.id, userId: stays.userId }));

    await owner.client.call((c) => c.members.remove({ userId: member.userId }));

    expect(await h.deps.db.select().from(groupMembers).where(eq(groupMembers.userId, member.userId))).toEqual([]);
    const remaining = await h.deps.db.select().from(groupMembers).where(eq(groupMembers.groupId, partners.id));
    expect(remaining.map((m) => m.userId)).toEqual([stays.userId]);
    const listed = await owner.client.call((c) => c.groups.listMembers({ groupId: beta.id }));
    expect(JSON.stringify(listed)).not.toContain(member.userId);
    const [audit] = await h.deps.db
      .select({ diff: auditLog.diff })
      .from(auditLog)
      .where(and(eq(auditLog.targetId, member.userId), eq(auditLog.action, 'member.remove')));
    expect(audit!.diff).toEqual({ role: ['member', null], groups: [[partners.id, beta.id].sort(), null] });
  });

  it("members.remove cancels the member's live subscriptions, so their keys stop working", async () => {
    const member = await addMember(h, owner, 'developer', undefined, 'leaver');
    const product = await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Leaver product' }));
    const sub = await owner.client.call((c) =>
      c.subscriptions.create({
        workspaceId: ws,
        ownerId: member.userId,
        scope: 'product',
        productId: product.id,
        name: 'Leaver app',
      }),
    );
    await owner.client.call((c) => c.members.remove({ userId: member.userId }));
    const [row] = await h.deps.db.select().from(subscriptions).where(eq(subscriptions.id, sub.id));
    expect(row).toMatchObject({ state: 'cancelled', stateComment: 'The owner left the tenant' });
    expect(await lastChanges()).toContain(`subscription:${sub.id}:upsert`);
  });

  it('re-importing an API drops the policies of operations the document no longer has', async () => {
    const spec = (paths: string[]) =>
      JSON.stringify({
        openapi: '3.0.3',
        info: { title: 'Shrinking', version: '1' },
        paths: Object.fromEntries(
          paths.map((p) => [p, { get: { operationId: p.slice(1), responses: { 200: { description: 'ok' } } } }]),
        ),
      });
    const imported = await owner.client.call((c) =>
      c.apis.import({ workspaceId: ws, source: { content: spec(['/a', '/b']) }, path: 'shrinking' }),
    );
    const ops = await owner.client.call((c) => c.operations.list({ workspaceId: ws, apiId: imported.api.id }));
    const b = ops.items.find((o) => o.name === 'b')!;
    await owner.client.call((c) =>
      c.policies.operation.set({
        workspaceId: ws,
        apiId: imported.api.id,
        operationId: b.id,
        source: 'inbound:\n  - base: {}\n',
      }),
    );
    await owner.client.call((c) => c.apis.import({ workspaceId: ws, apiId: imported.api.id, source: { content: spec(['/a']) } }));
    expect(await documentsAt([b.id])).toEqual([]);
  });
});
