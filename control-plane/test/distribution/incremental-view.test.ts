import { SubscriptionState, type Delta, type GatewayView } from '@portico/proto';
import { createInProcessTransport, applyDelta as applyAgentDelta } from '@portico/proto/distribution';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayView } from '../../src/compiler/build-gateway-view.js';
import { canonicalize, hashView } from '../../src/compiler/hash-view.js';
import { createViewScenario, type ViewScenario } from '../../src/compiler/view-scenario.fixture.js';
import { apis, operations, subscriptions } from '../../src/db/schema/index.js';
import { createConfigPublisher, type ConfigPublisher } from '../../src/distribution/config-publisher.js';
import { createHarness, signUp, type Harness, type SignedUp } from '../harness.js';

/** mulberry32: a small seeded PRNG, so a failing sequence replays with its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)],
  };
}

/** What an agent does with a delta, in the canonical order the control plane hashes. */
const applyDelta = (view: GatewayView, delta: Delta): GatewayView => canonicalize(applyAgentDelta(view, delta));

const content = (view: GatewayView) => ({ ...view, revision: 0n });

const SEED = Number(process.env.PORTICO_INCREMENTAL_SEED ?? 20_240_604);
const STEPS = 60;
const SUBSCRIPTION_KINDS = new Set(['subscribe', 'suspend', 'reactivate', 'cancel', 'regenerate']);

describe('the incremental view path', () => {
  let h: Harness;
  let owner: SignedUp;
  let scenario: ViewScenario;
  let publisher: ConfigPublisher;
  const transport = createInProcessTransport();
  const deltas: Delta[] = [];
  /** What the gateway's agent holds, from a snapshot and every delta since. */
  let held: GatewayView;
  const id = (name: string) => scenario.ids[name]!;

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Incremental');
    scenario = await createViewScenario(owner);
    // A second gateway serving the hidden API: its assignments must not rebuild "edge".
    scenario.ids.other = (await owner.client.call((c) => c.gateways.create({ name: 'other' }))).id;
    publisher = createConfigPublisher({
      db: h.deps.db,
      secretKey: h.deps.config.secretKey,
      transport: transport.controlPlane,
      logger: h.deps.logger,
    });
    transport.agent({ tenantId: owner.tenantId, gatewayId: id('gateway') }).onDelta((delta) => deltas.push(delta));
    await run();
    held = (await publisher.snapshot(owner.tenantId, id('gateway')))!;
    // The first run had no base: a resync delta, which the snapshot stands for.
    deltas.length = 0;
  });
  afterAll(async () => {
    await publisher.close();
    await h.close();
  });

  async function run() {
    publisher.changed(owner.tenantId);
    await publisher.idle();
    // The in-process transport delivers on a later tick.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** The publisher's view, the agent's, and a fresh full build agree, hash and content. */
  async function expectInSync(step: string) {
    const fresh = await buildGatewayView(h.deps.db, h.deps.config.secretKey, owner.tenantId, id('gateway'));
    const published = (await publisher.snapshot(owner.tenantId, id('gateway')))!;
    expect(published.contentHash, step).toBe(fresh.contentHash);
    expect(content(published), step).toEqual(content(fresh));
    for (const delta of deltas.splice(0)) {
      expect(delta.resync, step).toBe(false);
      expect(delta.fromRevision, step).toBe(held.revision);
      held = applyDelta(held, delta);
    }
    expect(hashView(held), step).toBe(fresh.contentHash);
    expect(content({ ...held, contentHash: fresh.contentHash }), step).toEqual(content(fresh));
  }

  const ws = () => owner.workspaceId;
  const liveSubscriptions = (states: ('active' | 'suspended' | 'submitted')[]) =>
    h.deps.db
      .select({ id: subscriptions.id })
      .from(subscriptions)
      .where(and(eq(subscriptions.tenantId, owner.tenantId), inArray(subscriptions.state, states)))
      .then((rows) => rows.map((r) => r.id));
  const operationsOf = (apiId: string) =>
    h.deps.db
      .select()
      .from(operations)
      .where(and(eq(operations.tenantId, owner.tenantId), eq(operations.apiId, apiId)));
  const apiRow = async (apiId: string) => (await h.deps.db.select().from(apis).where(eq(apis.id, apiId)))[0]!;

  let counter = 0;
  /** One random mutation through the procedures; returns its kind. */
  async function mutate(random: ReturnType<typeof prng>): Promise<string> {
    const apiIds = [id('apiOrders'), id('apiBilling'), id('apiHidden')];
    const kinds = [
      'subscribe',
      'subscribe',
      'suspend',
      'suspend',
      'reactivate',
      'cancel',
      'regenerate',
      'createOperation',
      'updateOperation',
      'deleteOperation',
      'updateApi',
      'apiPolicy',
      'operationPolicy',
      'productChange',
      'productPolicy',
      'workspacePolicy',
      'otherGateway',
    ] as const;
    const kind = random.pick(kinds)!;
    const n = ++counter;
    switch (kind) {
      case 'subscribe': {
        const scope = random.pick(['product', 'api', 'all_apis'] as const)!;
        const target =
          scope === 'product'
            ? { productId: random.pick([id('prdGold'), id('prdHiddenOnly')])! }
            : scope === 'api'
              ? { apiId: random.pick(apiIds)! }
              : {};
        const created = await owner.client
          .call((c) =>
            c.subscriptions.create({
              workspaceId: ws(),
              ownerId: owner.userId,
              scope,
              ...target,
              name: `s${n}`,
              expiresAt: null,
            }),
          )
          // A product made open by an earlier step takes no subscriptions.
          .catch((error: unknown) => {
            if (scope === 'product' && error instanceof Error && /is open/.test(error.message)) return null;
            throw error;
          });
        if (!created) return 'nothing';
        break;
      }
      case 'suspend':
      case 'cancel':
      case 'regenerate': {
        const target = random.pick(await liveSubscriptions(kind === 'suspend' ? ['active'] : ['active', 'suspended']));
        if (!target) return 'nothing';
        const input = { workspaceId: ws(), subscriptionId: target };
        if (kind === 'suspend') await owner.client.call((c) => c.subscriptions.suspend(input));
        else if (kind === 'cancel') await owner.client.call((c) => c.subscriptions.cancel(input));
        else await owner.client.call((c) => c.subscriptions.regeneratePrimaryKey(input));
        break;
      }
      case 'reactivate': {
        const target = random.pick(await liveSubscriptions(['suspended']));
        if (!target) return 'nothing';
        await owner.client.call((c) => c.subscriptions.reactivate({ workspaceId: ws(), subscriptionId: target }));
        break;
      }
      case 'createOperation': {
        const apiId = random.pick(apiIds)!;
        await owner.client.call((c) =>
          c.operations.create({ workspaceId: ws(), apiId, name: `op${n}`, method: 'POST', urlTemplate: `/things-${n}` }),
        );
        break;
      }
      case 'updateOperation':
      case 'deleteOperation': {
        const apiId = random.pick(apiIds)!;
        const op = random.pick(await operationsOf(apiId));
        if (!op) return 'nothing';
        if (kind === 'deleteOperation') {
          await owner.client.call((c) => c.operations.delete({ workspaceId: ws(), apiId, operationId: op.id }));
        } else {
          await owner.client.call((c) =>
            c.operations.update({
              workspaceId: ws(),
              apiId,
              operationId: op.id,
              version: op.version,
              urlTemplate: `/renamed-${n}/{id}`,
              parameters: [{ name: 'id', in: 'path', required: true }],
            }),
          );
        }
        break;
      }
      case 'updateApi': {
        const apiId = random.pick(apiIds)!;
        const row = await apiRow(apiId);
        await owner.client.call((c) =>
          c.apis.update({
            workspaceId: ws(),
            apiId,
            version: row.version,
            ...(random.int(2) === 0
              ? { subscriptionRequired: !row.subscriptionRequired }
              : { path: `${row.path.split('-')[0]!}-${n}` }),
          }),
        );
        break;
      }
      case 'apiPolicy':
      case 'operationPolicy': {
        const apiId = random.pick(apiIds)!;
        const operationId = kind === 'operationPolicy' ? random.pick(await operationsOf(apiId))?.id : undefined;
        if (kind === 'operationPolicy' && !operationId) return 'nothing';
        // Sometimes a named value not referenced yet: the view's named values move, which rebuilds.
        const value = random.pick(['plain', '{{greeting}}', '{{unused}}'])!;
        const source = `inbound:\n  - base: {}\n  - set-header: { name: x-step-${n}, value: ["${value}"] }\n`;
        if (operationId) {
          const ids = { workspaceId: ws(), apiId, operationId };
          const current = await owner.client.call((c) => c.policies.operation.get(ids));
          if (current && random.int(4) === 0) await owner.client.call((c) => c.policies.operation.delete(ids));
          else await owner.client.call((c) => c.policies.operation.set({ ...ids, source, version: current?.version }));
        } else {
          const ids = { workspaceId: ws(), apiId };
          const current = await owner.client.call((c) => c.policies.api.get(ids));
          await owner.client.call((c) => c.policies.api.set({ ...ids, source, version: current?.version }));
        }
        break;
      }
      case 'productChange': {
        const product = await owner.client.call((c) => c.products.get({ workspaceId: ws(), productId: id('prdGold') }));
        await owner.client.call((c) =>
          c.products.update({
            workspaceId: ws(),
            productId: product.id,
            version: product.version,
            subscriptionRequired: !product.subscriptionRequired,
          }),
        );
        break;
      }
      case 'productPolicy':
      case 'workspacePolicy': {
        const source = `inbound:\n  - base: {}\n  - set-header: { name: x-${kind}-${n}, value: ["v"] }\n`;
        if (kind === 'productPolicy') {
          const ids = { workspaceId: ws(), productId: id('prdGold') };
          const current = await owner.client.call((c) => c.policies.product.get(ids));
          await owner.client.call((c) => c.policies.product.set({ ...ids, source, version: current?.version }));
        } else {
          const current = await owner.client.call((c) => c.policies.workspace.get({ workspaceId: ws() }));
          await owner.client.call((c) => c.policies.workspace.set({ workspaceId: ws(), source, version: current?.version }));
        }
        break;
      }
      case 'otherGateway': {
        const assigned = await owner.client.call((c) => c.gateways.listApis({ gatewayId: id('other') }));
        if (assigned.items.length > 0)
          await owner.client.call((c) => c.gateways.unassignApi({ gatewayId: id('other'), apiId: id('apiHidden') }));
        else await owner.client.call((c) => c.gateways.assignApi({ gatewayId: id('other'), apiId: id('apiHidden') }));
        break;
      }
    }
    return kind;
  }

  it(`matches a full build after each of ${STEPS} random mutations (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const ran: Record<string, number> = {};
    let incremental = 0;
    for (let step = 0; step < STEPS; step++) {
      const before = publisher.stats();
      const kind = await mutate(random);
      await run();
      const after = publisher.stats();
      ran[kind] = (ran[kind] ?? 0) + 1;
      const label = `step ${step}: ${kind}`;
      // Both gateways ran the incremental path for a subscription; for another gateway's API only that one rebuilt.
      if (SUBSCRIPTION_KINDS.has(kind)) expect(after.fullBuilds, label).toBe(before.fullBuilds);
      if (kind === 'otherGateway') expect(after.fullBuilds - before.fullBuilds, label).toBe(1);
      if (after.fullBuilds === before.fullBuilds || kind === 'otherGateway') incremental++;
      await expectInSync(label);
    }
    // The sequence exercised both paths and most kinds of mutation.
    expect(Object.keys(ran).length).toBeGreaterThanOrEqual(12);
    expect(incremental).toBeGreaterThan(STEPS / 2);
    expect(incremental).toBeLessThan(STEPS);
  });

  it('turns a suspension into a one-subscription delta without the full build', async () => {
    // One the gateway holds, so suspending it changes the view.
    const target = held.subscriptions.find((s) => s.state === SubscriptionState.ACTIVE)?.id;
    const subscription =
      target ??
      (
        await owner.client.call((c) =>
          c.subscriptions.create({ workspaceId: ws(), ownerId: owner.userId, scope: 'all_apis', name: 'x', expiresAt: null }),
        )
      ).id;
    await run();
    await expectInSync('setup');
    const before = publisher.stats();
    await owner.client.call((c) => c.subscriptions.suspend({ workspaceId: ws(), subscriptionId: subscription }));
    await run();
    const after = publisher.stats();
    expect(after.fullBuilds).toBe(before.fullBuilds);
    // One per gateway of the tenant.
    expect(after.incrementalBuilds - before.incrementalBuilds).toBe(2);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({ upsertedApis: [], upsertedPipelines: [], removedSubscriptionIds: [] });
    expect(deltas[0]!.upsertedSubscriptions.map((s) => s.id)).toEqual([subscription]);
    await expectInSync('suspension');
  });
});
