/**
 * Incremental vs full view build (issue 4): seeds one tenant with INCREMENTAL_APIS APIs on one
 * gateway, INCREMENTAL_OPERATIONS_PER_API operations each, 10 products and INCREMENTAL_SUBSCRIPTIONS
 * subscriptions by batch inserts, then suspends (or reactivates) one subscription through the
 * procedure INCREMENTAL_RUNS times and times what the publisher does for it, both ways:
 *
 * - full: `buildGatewayState` (read and build the whole view) + `diffViews` against the base;
 * - incremental: `updateGatewayView` (the changed rows only) + `changesDelta`.
 *
 * Run by hand (not a test): `npm run bench:incremental --workspace load-tests`. Needs PostgreSQL on
 * postgres://postgres@127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL); the database is cloned from the
 * migrated template and dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { performance } from 'node:perf_hooks';
import { buildGatewayState, type GatewayViewState } from '../../src/compiler/build-gateway-view.js';
import { updateGatewayView } from '../../src/compiler/update-gateway-view.js';
import { apis, gatewayApis, operations, productApis, products, subscriptions } from '../../src/db/schema/index.js';
import { changesDelta, diffViews } from '../../src/distribution/view-diff.js';
import { newId } from '../../src/lib/ids.js';
import setupTemplate from '../global-setup.js';
import { createHarness, signUp } from '../harness.js';

const intEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const API_COUNT = intEnv('INCREMENTAL_APIS', 1_000);
const OPERATIONS_PER_API = intEnv('INCREMENTAL_OPERATIONS_PER_API', 10);
const SUBSCRIPTION_COUNT = intEnv('INCREMENTAL_SUBSCRIPTIONS', 100_000);
const RUNS = intEnv('INCREMENTAL_RUNS', 20);
const PRODUCTS = 10;

async function chunked<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

const p50 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor((samples.length - 1) / 2)]!;
const ms = (value: number) => `${value.toFixed(2)} ms`;

async function main() {
  await setupTemplate();
  const h = await createHarness();
  try {
    const owner = await signUp(h, 'Bench');
    const { db, config } = h.deps;
    const tenantId = owner.tenantId;
    const workspaceId = owner.workspaceId;
    const gateway = await owner.client.call((c) => c.gateways.create({ name: 'edge' }));
    await owner.client.call((c) =>
      c.policies.global.set({ source: 'inbound:\n  - set-header: { name: x-global, value: ["g"] }\n' }),
    );

    const seeding = performance.now();
    const apiRows = Array.from({ length: API_COUNT }, (_, i) => ({
      id: newId('api'),
      tenantId,
      workspaceId,
      name: `API ${i}`,
      path: `api-${i}`,
    }));
    await chunked(apiRows, 2_000, (chunk) => db.insert(apis).values(chunk));
    await chunked(
      apiRows.flatMap((api) =>
        Array.from({ length: OPERATIONS_PER_API }, (_, j) => ({
          id: newId('op'),
          tenantId,
          workspaceId,
          apiId: api.id,
          name: `op${j}`,
          method: 'GET',
          urlTemplate: `/things-${j}/{id}`,
          parameters: [{ name: 'id', in: 'path' as const, required: true }],
        })),
      ),
      2_000,
      (chunk) => db.insert(operations).values(chunk),
    );
    await chunked(
      apiRows.map((api) => ({ id: `${gateway.id}:${api.id}`, tenantId, gatewayId: gateway.id, apiId: api.id })),
      2_000,
      (chunk) => db.insert(gatewayApis).values(chunk),
    );
    const productRows = Array.from({ length: PRODUCTS }, (_, i) => ({ id: newId('prd'), tenantId, workspaceId, name: `P${i}` }));
    await db.insert(products).values(productRows);
    await chunked(
      apiRows.map((api, i) => ({
        id: `${productRows[i % PRODUCTS]!.id}:${api.id}`,
        tenantId,
        productId: productRows[i % PRODUCTS]!.id,
        apiId: api.id,
      })),
      2_000,
      (chunk) => db.insert(productApis).values(chunk),
    );
    const subscriptionRows = Array.from({ length: SUBSCRIPTION_COUNT }, (_, i) => {
      const kind = i % 3 === 0 ? 'product' : i % 3 === 1 ? 'api' : 'all_apis';
      return {
        id: newId('sub'),
        tenantId,
        workspaceId,
        ownerId: owner.userId,
        scopeKind: kind,
        scopeId: kind === 'product' ? productRows[i % PRODUCTS]!.id : kind === 'api' ? apiRows[i % API_COUNT]!.id : null,
        displayName: `s${i}`,
        state: 'active' as const,
        primaryKeyHash: randomBytes(32).toString('hex'),
        secondaryKeyHash: randomBytes(32).toString('hex'),
        primaryKeyPrefix: 'bench',
        secondaryKeyPrefix: 'bench',
      } as const;
    });
    await chunked(subscriptionRows, 2_000, (chunk) => db.insert(subscriptions).values(chunk));
    await db.execute(sql`analyze`);
    console.log(
      `seeded ${API_COUNT} APIs, ${API_COUNT * OPERATIONS_PER_API} operations, ${SUBSCRIPTION_COUNT} subscriptions in ${ms(performance.now() - seeding)}`,
    );

    let base: GatewayViewState = await buildGatewayState(db, config.secretKey, tenantId, gateway.id);
    console.log(
      `view: ${base.view.apis.length} APIs, ${base.view.pipelines.length} pipelines, ${base.view.subscriptions.length} subscriptions`,
    );
    const full = { build: [] as number[], diff: [] as number[] };
    const incremental = { build: [] as number[], diff: [] as number[] };
    // Warm-up: JIT and prepared statements.
    for (let run = -3; run < RUNS; run++) {
      const target = subscriptionRows[(run + 3) * 997]!.id;
      await owner.client.call((c) => c.subscriptions.suspend({ workspaceId, subscriptionId: target }));

      let started = performance.now();
      const update = await updateGatewayView(db, base);
      const updated = performance.now() - started;
      if (update.kind !== 'updated') throw new Error(`the incremental path fell back: ${update.reason}`);
      started = performance.now();
      const delta = changesDelta(base.view, update.state.view, update.changes);
      const patched = performance.now() - started;

      started = performance.now();
      const rebuilt = await buildGatewayState(db, config.secretKey, tenantId, gateway.id);
      const builtIn = performance.now() - started;
      started = performance.now();
      diffViews(base.view, rebuilt.view);
      const diffed = performance.now() - started;

      if (rebuilt.view.contentHash !== update.state.view.contentHash) throw new Error('the two paths disagree');
      if (delta.upsertedSubscriptions.length !== 1) throw new Error('expected a one-subscription delta');
      if (run >= 0) {
        incremental.build.push(updated);
        incremental.diff.push(patched);
        full.build.push(builtIn);
        full.diff.push(diffed);
      }
      base = update.state;
    }
    console.log(`p50 of ${RUNS} suspensions:`);
    console.log(
      `  full build:  ${ms(p50(full.build))} build + ${ms(p50(full.diff))} diff = ${ms(p50(full.build.map((b, i) => b + full.diff[i]!)))}`,
    );
    console.log(
      `  incremental: ${ms(p50(incremental.build))} update + ${ms(p50(incremental.diff))} delta = ${ms(p50(incremental.build.map((b, i) => b + incremental.diff[i]!)))}`,
    );
  } finally {
    await h.close();
  }
}

await main();
