import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { GatewayViewSchema, SubscriptionScope, VersioningScheme, type GatewayView, type Statement } from '@portico/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, signUp, type Harness, type SignedUp } from '../../test/harness.js';
import { buildGatewayView } from './build-gateway-view.js';
import { canonicalize, hashView } from './hash-view.js';
import { createViewScenario, type ViewScenario } from './view-scenario.fixture.js';

const GOLDEN = new URL('./testdata/gateway-view.golden.json', import.meta.url);
const sha256 = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());
const brief = (s: Statement) => `${s.originScope}:${s.policy}:${(JSON.parse(s.configJson) as { name: string }).name}`;

describe('buildGatewayView', () => {
  let h: Harness;
  let owner: SignedUp;
  let scenario: ViewScenario;
  let view: GatewayView;
  const id = (name: string) => scenario.ids[name]!;
  const build = () => buildGatewayView(h.deps.db, h.deps.config.secretKey, owner.tenantId, id('gateway'));

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Compiler');
    scenario = await createViewScenario(owner);
    view = await build();
  });
  afterAll(() => h.close());

  it('holds the assigned APIs with their operations and versioning, not the others', () => {
    expect(view.apis.map((a) => a.id).sort()).toEqual([id('apiOrders'), id('apiBilling')].sort());
    const orders = view.apis.find((a) => a.id === id('apiOrders'))!;
    expect(orders).toMatchObject({ path: 'orders', backendId: id('beOrders'), subscriptionRequired: true });
    expect(orders.versioning).toMatchObject({ scheme: VersioningScheme.HEADER, version: 'v1', parameterName: 'Api-Version' });
    expect(orders.operations).toHaveLength(1);
    expect(orders.operations[0]).toMatchObject({ id: id('opGetOrder'), method: 'GET', urlTemplate: '/orders/{orderId}' });
    expect(orders.operations[0]!.parameters[0]).toMatchObject({ name: 'orderId', in: 'path', required: true });
    expect(JSON.parse(orders.operations[0]!.responsesJson)).toMatchObject([{ status: 200 }]);
    expect(view.pipelines.some((p) => p.operationId === id('opHidden'))).toBe(false);
  });

  it('decrypts backend credentials', () => {
    const orders = view.backends.find((b) => b.id === id('beOrders'))!;
    expect(orders.targets).toMatchObject([{ url: 'https://orders.internal.example' }]);
    expect(orders.credentials).toMatchObject({
      headers: { 'X-Api-Key': 'header-secret' },
      query: { api_key: 'query-secret' },
      authorization: 'Bearer bearer-secret',
    });
    expect(orders.credentials!.clientCertificatePem).toContain('BEGIN CERTIFICATE');
    expect(orders.credentials!.clientKeyPem).toContain('BEGIN PRIVATE KEY');
    const billing = view.backends.find((b) => b.id === id('beBilling'))!;
    expect(billing.targets.map((t) => t.weight)).toEqual([3, 1]);
    expect(billing.credentials!.authorization).toBe(`Basic ${Buffer.from('billing:basic-secret').toString('base64')}`);
    expect(view.backends).toHaveLength(2);
  });

  it('lists products holding a view API, limited to the view APIs', () => {
    expect(view.products.map((p) => ({ id: p.id, apiIds: p.apiIds }))).toEqual([
      { id: id('prdGold'), apiIds: [id('apiOrders')] },
    ]);
  });

  it('holds a live subscription of each scope with key hashes, and no cancelled or unrelated one', () => {
    const byId = new Map(view.subscriptions.map((s) => [s.id, s]));
    expect([...byId.keys()].sort()).toEqual([id('sub:product'), id('sub:api'), id('sub:all')].sort());
    expect(byId.get(id('sub:product'))).toMatchObject({
      scope: SubscriptionScope.PRODUCT,
      scopeId: id('prdGold'),
      expiresAtMs: BigInt(Date.parse('2099-01-01T00:00:00.000Z')),
    });
    expect(byId.get(id('sub:api'))).toMatchObject({ scope: SubscriptionScope.API, scopeId: id('apiOrders') });
    expect(byId.get(id('sub:all'))).toMatchObject({ scope: SubscriptionScope.ALL_APIS, scopeId: owner.workspaceId });
    for (const label of ['product', 'api', 'all']) {
      const subscription = byId.get(id(`sub:${label}`))!;
      expect(subscription.primaryKeySha256).toEqual(sha256(scenario.keys[label]!));
      expect(subscription.secondaryKeySha256).toEqual(sha256(scenario.keys[`${label}:secondary`]!));
    }
  });

  it('merges scopes into pipelines with origins and inlines fragments', () => {
    const plain = view.pipelines.find((p) => p.operationId === id('opGetOrder') && p.productId === '')!;
    expect(plain.inbound.map(brief)).toEqual([
      'global:set-header:x-global',
      'workspace:set-header:x-fragment',
      'api:set-header:x-greeting',
      'operation:set-header:authorization',
    ]);
    expect(plain.inbound.map((s) => s.originId)).toEqual([owner.tenantId, owner.workspaceId, id('apiOrders'), id('opGetOrder')]);
    expect(plain.outbound.map(brief)).toEqual(['operation:set-header:x-op-out']);
    const billing = view.pipelines.filter((p) => p.operationId === id('opListInvoices'));
    expect(billing.map((p) => p.inbound.map(brief))).toEqual([['global:set-header:x-global', 'workspace:set-header:x-fragment']]);
  });

  it('adds a pipeline per operation × product for a product with its own document', () => {
    const product = view.pipelines.filter((p) => p.productId !== '');
    expect(product.map((p) => [p.operationId, p.productId])).toEqual([[id('opGetOrder'), id('prdGold')]]);
    expect(product[0]!.inbound.map(brief)).toEqual([
      'global:set-header:x-global',
      'workspace:set-header:x-fragment',
      'product:set-header:x-product',
      'api:set-header:x-greeting',
      'operation:set-header:authorization',
    ]);
  });

  it('ships only the named values referenced, decrypted', () => {
    expect(Object.fromEntries(view.namedValues.map((v) => [v.name, v.value]))).toEqual({
      greeting: 'hello',
      'api-token': 'token-in-clear',
      'client-cert': expect.stringContaining('BEGIN CERTIFICATE') as unknown,
      'client-key': expect.stringContaining('BEGIN PRIVATE KEY') as unknown,
    });
  });

  it('keeps the content hash for equal config, and changes it when a policy changes', async () => {
    const again = await build();
    expect(again.contentHash).toBe(view.contentHash);
    expect(again.contentHash).toMatch(/^[0-9a-f]{64}$/);

    // Outside this gateway's view: the revision moves, the hash does not.
    await owner.client.call((c) =>
      c.apis.update({ workspaceId: owner.workspaceId, apiId: id('apiHidden'), version: 1, description: 'x' }),
    );
    await owner.client.call((c) => c.namedValues.create({ workspaceId: owner.workspaceId, name: 'later', value: 'v' }));
    const outside = await build();
    expect(outside.revision).toBeGreaterThan(view.revision);
    expect(outside.contentHash).toBe(view.contentHash);

    await owner.client.call((c) =>
      c.policies.global.set({ version: 1, source: 'inbound:\n  - set-header: { name: x-global, value: ["changed"] }\n' }),
    );
    const changed = await build();
    expect(changed.contentHash).not.toBe(view.contentHash);
  });

  it('matches the golden view', async () => {
    const other = await signUp(h, 'Golden');
    const golden = await createViewScenario(other);
    const built = await buildGatewayView(h.deps.db, h.deps.config.secretKey, other.tenantId, golden.ids.gateway!);
    const actual = normalise(built, golden);
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    // Compared parsed, so reformatting the file (prettier) does not break the test.
    expect(actual).toEqual(JSON.parse(await readFile(GOLDEN, 'utf8')));
  });
});

/**
 * The view with every generated id replaced by `<name>` from the scenario (so stand-ins
 * follow what the scenario made, not random ids), random key hashes zeroed, re-sorted by the
 * stand-ins, and the hash recomputed: it then pins the canonical encoding too.
 */
function normalise(view: GatewayView, scenario: ViewScenario): JsonValue {
  let text = JSON.stringify(toJson(GatewayViewSchema, view));
  for (const [name, value] of Object.entries(scenario.ids)) text = text.replaceAll(value, `<${name}>`);
  const leftover = /\b[a-z]+_[0-9a-z]{20}\b/.exec(text);
  if (leftover) throw new Error(`Unplaced id ${leftover[0]}`);
  const placed = fromJson(GatewayViewSchema, JSON.parse(text) as JsonValue);
  for (const subscription of placed.subscriptions) {
    subscription.primaryKeySha256 = new Uint8Array(32);
    subscription.secondaryKeySha256 = new Uint8Array(32);
  }
  placed.revision = 0n;
  canonicalize(placed);
  placed.contentHash = hashView(placed);
  return toJson(GatewayViewSchema, placed);
}
