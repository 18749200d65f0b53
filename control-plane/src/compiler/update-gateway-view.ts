import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Api, GatewayView, Pipeline, Subscription } from '@portico/proto';
import { and, eq, gt, inArray, lte, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { apiVersionSets, configChanges, operations, policyDocuments, subscriptions, tenants } from '../db/schema/index.js';
import { fragmentsByWorkspace, type GatewayViewState } from './build-gateway-view.js';
import { buildPipelines } from './build-pipelines.js';
import { byKey } from './hash-view.js';
import { loadAssignedApis, loadDefaultWorkspaceId, loadFragments, unique } from './load-view-rows.js';
import { referencedNames } from './select-named-values.js';
import { selectSubscriptions, type ViewScope } from './select-subscriptions.js';
import { toApi } from './to-api.js';
import { ENTITY_KINDS, entityDigest, pipelineKey } from './view-digest.js';

/** More changes than this since the base and a full build is as cheap, and simpler. */
export const MAX_INCREMENTAL_CHANGES = 10_000;

export interface EntityChanges<T> {
  upserted: T[];
  /** Keys: ids, or `pipelineKey` for pipelines. */
  removed: string[];
}

/** What the incremental path may change in a view: everything else is left to the full build. */
export interface ViewChanges {
  apis: EntityChanges<Api>;
  subscriptions: EntityChanges<Subscription>;
  pipelines: EntityChanges<Pipeline>;
}

export type ViewUpdate =
  | { kind: 'updated'; state: GatewayViewState; changes: ViewChanges }
  /** The changes reach beyond what this path reloads: build the view in full. */
  | { kind: 'rebuild'; reason: string };

const rebuild = (reason: string) => ({ kind: 'rebuild', reason }) as const;
const none = <T>(): EntityChanges<T> => ({ upserted: [], removed: [] });

/**
 * The gateway's view now, from `base` and the config changes since its revision (issue 4:
 * a change rebuilds only what it touched), reading only the changed rows:
 *
 * - subscriptions: those rows, kept or dropped by `selectSubscriptions` against the view's
 *   APIs, products and workspaces — O(changed subscriptions);
 * - APIs, operations and API/operation policy documents of APIs the view holds: those APIs with
 *   their operations, and the pipelines of their operations (× products);
 * - a gateway or gateway_api change of another gateway: nothing.
 *
 * Anything else — or a change that would move the view's set of APIs, workspaces, backends or
 * referenced named values — answers `rebuild`. Reads run in one repeatable-read transaction, so
 * the rows agree with the revision read alongside them, as in `loadViewRows`. Equal, entity for
 * entity and hash for hash, to `buildGatewayState` at that revision (incremental-view.test.ts).
 */
export function updateGatewayView(db: Db, base: GatewayViewState): Promise<ViewUpdate> {
  const { tenantId, gatewayId } = base.view;
  return db.transaction(
    async (tx): Promise<ViewUpdate> => {
      const [tenant] = await tx.select({ revision: tenants.configRevision }).from(tenants).where(eq(tenants.id, tenantId));
      if (!tenant) return rebuild('the tenant is gone');
      const changes = await tx
        .select({ entityType: configChanges.entityType, entityId: configChanges.entityId })
        .from(configChanges)
        .where(
          and(
            eq(configChanges.tenantId, tenantId),
            gt(configChanges.revision, base.asOf),
            lte(configChanges.revision, tenant.revision),
          ),
        )
        .limit(MAX_INCREMENTAL_CHANGES + 1);
      if (changes.length > MAX_INCREMENTAL_CHANGES) return rebuild('too many changes');

      const touched = {
        subscriptions: new Set<string>(),
        apis: new Set<string>(),
        operations: new Set<string>(),
        documents: new Set<string>(),
      };
      for (const { entityType, entityId } of changes) {
        switch (entityType) {
          case 'subscription':
            touched.subscriptions.add(entityId);
            break;
          case 'api':
            touched.apis.add(entityId);
            break;
          case 'operation':
            touched.operations.add(entityId);
            break;
          case 'policy_document':
            touched.documents.add(entityId);
            break;
          case 'gateway':
            if (entityId === gatewayId) return rebuild('the gateway changed');
            break;
          case 'gateway_api':
            // Keyed `<gateway>:<api>` (gateway-apis.ts): another gateway's assignments do not reach this one.
            if (entityId.startsWith(`${gatewayId}:`)) return rebuild('its APIs changed');
            break;
          default:
            return rebuild(`a ${entityType} changed`);
        }
      }

      const apiPart = await reloadApis(tx, base.view, touched);
      if (typeof apiPart === 'string') return rebuild(apiPart);
      const subscriptionPart = await reloadSubscriptions(tx, base.view, [...touched.subscriptions]);
      return { kind: 'updated', ...applyChanges(base, tenant.revision, { ...apiPart, subscriptions: subscriptionPart }) };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/** The view's APIs, products and workspaces, against which a subscription grants access or not. */
function scopeOf(view: GatewayView): ViewScope {
  return {
    apiIds: new Set(view.apis.map((a) => a.id)),
    productIds: new Set(view.products.map((p) => p.id)),
    workspaceIds: new Set(view.apis.map((a) => a.workspaceId)),
  };
}

async function reloadSubscriptions(tx: Db, view: GatewayView, ids: string[]): Promise<EntityChanges<Subscription>> {
  if (ids.length === 0) return none();
  const rows = [];
  // Well under Postgres' 65,535 bind parameters per statement.
  for (let i = 0; i < ids.length; i += 5_000) {
    rows.push(
      ...(await tx
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.tenantId, view.tenantId), inArray(subscriptions.id, ids.slice(i, i + 5_000))))),
    );
  }
  // The full build's very rule: terminal states and subscriptions opening nothing here are left out.
  const upserted = selectSubscriptions(rows, scopeOf(view));
  const kept = new Set(upserted.map((s) => s.id));
  return { upserted, removed: ids.filter((id) => !kept.has(id)) };
}

/**
 * The touched APIs of the view reloaded with their operations, and the pipelines of those
 * operations rebuilt; a string says why the full build is needed instead.
 */
async function reloadApis(
  tx: Db,
  view: GatewayView,
  touched: { apis: Set<string>; operations: Set<string>; documents: Set<string> },
): Promise<Pick<ViewChanges, 'apis' | 'pipelines'> | string> {
  const { tenantId, gatewayId } = view;
  const apiIds = new Set(touched.apis);
  const operationIds = new Set(touched.operations);
  if (touched.documents.size > 0) {
    const documents = await tx
      .select({ id: policyDocuments.id, scope: policyDocuments.scope, scopeId: policyDocuments.scopeId })
      .from(policyDocuments)
      .where(and(eq(policyDocuments.tenantId, tenantId), inArray(policyDocuments.id, [...touched.documents])));
    // A deleted document no longer says what it was attached to.
    if (documents.length !== touched.documents.size) return 'a policy document was deleted';
    for (const document of documents) {
      if (document.scope === 'api') apiIds.add(document.scopeId);
      else if (document.scope === 'operation') operationIds.add(document.scopeId);
      else return `a ${document.scope} policy changed`;
    }
  }
  if (operationIds.size > 0) {
    const owners = await tx
      .select({ id: operations.id, apiId: operations.apiId })
      .from(operations)
      .where(and(eq(operations.tenantId, tenantId), inArray(operations.id, [...operationIds])));
    for (const owner of owners) {
      apiIds.add(owner.apiId);
      operationIds.delete(owner.id);
    }
    // Deleted ones: the view knows which of its APIs held them; others were never here.
    if (operationIds.size > 0) {
      for (const api of view.apis) if (api.operations.some((op) => operationIds.has(op.id))) apiIds.add(api.id);
    }
  }

  const before = new Map(view.apis.map((a) => [a.id, a]));
  // An API joins or leaves a gateway only with a gateway_api change of it, which rebuilds.
  const ids = [...apiIds].filter((id) => before.has(id));
  if (ids.length === 0) return { apis: none(), pipelines: none() };
  const apiRows = await loadAssignedApis(tx, tenantId, gatewayId, ids);
  if (apiRows.length !== ids.length) return 'an API left the gateway';
  for (const row of apiRows) {
    const previous = before.get(row.id)!;
    // Either moves what the view's workspaces, backends and named values are made of.
    if (row.workspaceId !== previous.workspaceId) return 'an API moved to another workspace';
    if ((row.backendId ?? '') !== previous.backendId) return "an API's backend changed";
  }

  const operationRows = await tx
    .select()
    .from(operations)
    .where(and(eq(operations.tenantId, tenantId), inArray(operations.apiId, ids)));
  const versionSetIds = unique(apiRows.map((a) => a.versionSetId));
  const versionSets = versionSetIds.length
    ? await tx
        .select()
        .from(apiVersionSets)
        .where(and(eq(apiVersionSets.tenantId, tenantId), inArray(apiVersionSets.id, versionSetIds)))
    : [];
  const apis = apiRows.map((row) => {
    const api = toApi(
      row,
      versionSets.find((s) => s.id === row.versionSetId),
      operationRows.filter((op) => op.apiId === row.id),
    );
    api.operations.sort(byKey((o) => o.id));
    return api;
  });

  // Products in the view, by API: unchanged here (a product_api change rebuilds).
  const idSet = new Set(ids);
  const productsByApi = new Map<string, string[]>();
  for (const product of view.products) {
    for (const apiId of product.apiIds) {
      if (idSet.has(apiId)) productsByApi.set(apiId, [...(productsByApi.get(apiId) ?? []), product.id]);
    }
  }
  const workspaceIds = unique(apiRows.map((a) => a.workspaceId));
  const productIds = unique([...productsByApi.values()].flat());
  const defaultWorkspaceId = await loadDefaultWorkspaceId(tx, tenantId);
  const scoped = (scope: (typeof policyDocuments.$inferSelect)['scope'], scopeIds: string[]) =>
    scopeIds.length ? and(eq(policyDocuments.scope, scope), inArray(policyDocuments.scopeId, scopeIds)) : undefined;
  // The documents these pipelines merge: the same rows loadViewRows reads for them.
  const documents = await tx
    .select()
    .from(policyDocuments)
    .where(
      and(
        eq(policyDocuments.tenantId, tenantId),
        or(
          scoped('global', [tenantId]),
          scoped('workspace', workspaceIds),
          scoped('product', productIds),
          scoped('api', ids),
          scoped(
            'operation',
            operationRows.map((op) => op.id),
          ),
        ),
      ),
    );
  const fragmentWorkspaces = unique(documents.map((d) => d.workspaceId ?? defaultWorkspaceId));
  const fragments = await loadFragments(tx, tenantId, fragmentWorkspaces);
  const pipelines = buildPipelines({
    tenantId,
    defaultWorkspaceId,
    documents,
    fragments: fragmentsByWorkspace({ fragments }),
    operations: operationRows.map((op) => ({ id: op.id, apiId: op.apiId, workspaceId: before.get(op.apiId)!.workspaceId })),
    productsByApi,
  });

  // The pipelines the touched APIs' operations had: the plain one and one per product at most.
  const previous: Pipeline[] = [];
  for (const id of ids) {
    for (const op of before.get(id)!.operations) {
      for (const productId of ['', ...(productsByApi.get(id) ?? [])]) {
        const found = findSorted(view.pipelines, pipelineKey, pipelineKey({ operationId: op.id, productId }));
        if (found) previous.push(found);
      }
    }
  }
  // The view ships the named values its pipelines reference: unchanged if these reference the same.
  if (!sameSet(referencedNames(previous), referencedNames(pipelines))) return 'the named values referenced changed';
  const kept = new Set(pipelines.map(pipelineKey));
  return {
    apis: { upserted: apis, removed: [] },
    pipelines: { upserted: pipelines, removed: previous.map(pipelineKey).filter((key) => !kept.has(key)) },
  };
}

/**
 * Applies what was reloaded to the base: entities whose digest did not move are dropped from the
 * changes (so the delta carries only real ones), the view's sorted lists are patched, and the
 * digest and hash are updated for the changed entities only.
 */
function applyChanges(
  base: GatewayViewState,
  revision: number,
  reloaded: ViewChanges,
): Omit<ViewUpdate & { kind: 'updated' }, 'kind'> {
  const set: [string, Buffer][] = [];
  const removedKeys: string[] = [];
  const effective = <S extends DescMessage>(
    kind: { tag: string; schema: S },
    changes: EntityChanges<MessageShape<S>>,
    key: (item: MessageShape<S>) => string,
  ): EntityChanges<MessageShape<S>> => {
    const upserted: MessageShape<S>[] = [];
    for (const item of changes.upserted) {
      const digestKey = `${kind.tag}:${key(item)}`;
      const digest = entityDigest(kind.tag, kind.schema, item);
      if (base.digest.get(digestKey)?.equals(digest)) continue;
      upserted.push(item);
      set.push([digestKey, digest]);
    }
    const removed = changes.removed.filter((id) => base.digest.get(`${kind.tag}:${id}`) !== undefined);
    removedKeys.push(...removed.map((id) => `${kind.tag}:${id}`));
    return { upserted, removed };
  };
  const changes: ViewChanges = {
    apis: effective(ENTITY_KINDS.api, reloaded.apis, (a) => a.id),
    subscriptions: effective(ENTITY_KINDS.subscription, reloaded.subscriptions, (s) => s.id),
    pipelines: effective(ENTITY_KINDS.pipeline, reloaded.pipelines, pipelineKey),
  };
  const { view: before } = base;
  const view: GatewayView = {
    ...before,
    revision: BigInt(revision),
    apis: patchSorted(before.apis, (a) => a.id, changes.apis),
    subscriptions: patchSorted(before.subscriptions, (s) => s.id, changes.subscriptions),
    pipelines: patchSorted(before.pipelines, pipelineKey, changes.pipelines),
  };
  const digest = base.digest.with(set, removedKeys);
  view.contentHash = digest.hash(view.tenantId, view.gatewayId);
  return { state: { view, digest, asOf: revision }, changes };
}

/** Index of `key` in `items` sorted by `keyOf`, or `-(insertion point) - 1`. */
function searchSorted<T>(items: T[], keyOf: (item: T) => string, key: string): number {
  let low = 0;
  let high = items.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const k = keyOf(items[mid]!);
    if (k < key) low = mid + 1;
    else if (k > key) high = mid - 1;
    else return mid;
  }
  return -low - 1;
}

function findSorted<T>(items: T[], keyOf: (item: T) => string, key: string): T | undefined {
  const index = searchSorted(items, keyOf, key);
  return index >= 0 ? items[index] : undefined;
}

/**
 * A copy of `items` (sorted by key, as canonicalize leaves it) with the changes applied, still
 * sorted. A few changes are spliced in by binary search; many are merged in one pass.
 */
function patchSorted<T>(items: T[], keyOf: (item: T) => string, changes: EntityChanges<T>): T[] {
  if (changes.upserted.length === 0 && changes.removed.length === 0) return items;
  if (changes.upserted.length + changes.removed.length <= 32) {
    const out = items.slice();
    for (const key of changes.removed) {
      const index = searchSorted(out, keyOf, key);
      if (index >= 0) out.splice(index, 1);
    }
    for (const item of changes.upserted) {
      const index = searchSorted(out, keyOf, keyOf(item));
      if (index >= 0) out[index] = item;
      else out.splice(-index - 1, 0, item);
    }
    return out;
  }
  const removed = new Set(changes.removed);
  const upserted = [...changes.upserted].sort(byKey(keyOf));
  const out: T[] = [];
  let next = 0;
  for (const item of items) {
    const key = keyOf(item);
    while (next < upserted.length && keyOf(upserted[next]!) < key) out.push(upserted[next++]!);
    if (next < upserted.length && keyOf(upserted[next]!) === key) out.push(upserted[next++]!);
    else if (!removed.has(key)) out.push(item);
  }
  while (next < upserted.length) out.push(upserted[next++]!);
  return out;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
