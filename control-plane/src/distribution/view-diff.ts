import { create, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import {
  ApiSchema,
  BackendSchema,
  DeltaSchema,
  NamedValueSchema,
  PipelineKeySchema,
  PipelineSchema,
  ProductSchema,
  SubscriptionSchema,
  type Delta,
  type GatewayView,
  type PipelineKey,
} from '@portico/proto';
import type { ViewChanges } from '../compiler/update-gateway-view.js';

interface EntityDiff<T> {
  upserted: T[];
  removed: string[];
}

/**
 * Entities of `next` that are new or whose encoding differs from `base`'s, and the keys of
 * those gone. Comparing encodings is exact: the views are canonical (compiler/hash-view.ts).
 */
function diffBy<S extends DescMessage>(
  schema: S,
  base: MessageShape<S>[],
  next: MessageShape<S>[],
  key: (item: MessageShape<S>) => string,
): EntityDiff<MessageShape<S>> {
  const before = new Map(base.map((item) => [key(item), Buffer.from(toBinary(schema, item))]));
  const upserted: MessageShape<S>[] = [];
  const seen = new Set<string>();
  for (const item of next) {
    const id = key(item);
    seen.add(id);
    const previous = before.get(id);
    if (!previous || !previous.equals(toBinary(schema, item))) upserted.push(item);
  }
  return { upserted, removed: [...before.keys()].filter((id) => !seen.has(id)) };
}

const PIPELINE_KEY_SEPARATOR = '\u0000';
const pipelineKey = (p: { operationId: string; productId: string }) => `${p.operationId}${PIPELINE_KEY_SEPARATOR}${p.productId}`;
function toPipelineKey(key: string): PipelineKey {
  const [operationId = '', productId = ''] = key.split(PIPELINE_KEY_SEPARATOR);
  return create(PipelineKeySchema, { operationId, productId });
}

/**
 * The delta that takes an agent from `base` to `next`, entity by entity (DESIGN §6): an API is
 * sent whole with its operations, a pipeline per operation (× product). Removals are keys.
 */
export function diffViews(base: GatewayView, next: GatewayView): Delta {
  const apis = diffBy(ApiSchema, base.apis, next.apis, (a) => a.id);
  const backends = diffBy(BackendSchema, base.backends, next.backends, (b) => b.id);
  const products = diffBy(ProductSchema, base.products, next.products, (p) => p.id);
  const subscriptions = diffBy(SubscriptionSchema, base.subscriptions, next.subscriptions, (s) => s.id);
  const namedValues = diffBy(NamedValueSchema, base.namedValues, next.namedValues, (n) => n.name);
  const pipelines = diffBy(PipelineSchema, base.pipelines, next.pipelines, pipelineKey);
  return create(DeltaSchema, {
    fromRevision: base.revision,
    toRevision: next.revision,
    contentHash: next.contentHash,
    upsertedApis: apis.upserted,
    removedApiIds: apis.removed,
    upsertedBackends: backends.upserted,
    removedBackendIds: backends.removed,
    upsertedProducts: products.upserted,
    removedProductIds: products.removed,
    upsertedSubscriptions: subscriptions.upserted,
    removedSubscriptionIds: subscriptions.removed,
    upsertedNamedValues: namedValues.upserted,
    removedNamedValueNames: namedValues.removed,
    upsertedPipelines: pipelines.upserted,
    removedPipelines: pipelines.removed.map(toPipelineKey),
  });
}

/**
 * The delta from `base` to `next` when the incremental path says what changed (only real changes:
 * compiler/update-gateway-view.ts drops entities whose digest did not move), without comparing
 * the views entity by entity: O(changes), not O(view).
 */
export function changesDelta(base: GatewayView, next: GatewayView, changes: ViewChanges): Delta {
  return create(DeltaSchema, {
    fromRevision: base.revision,
    toRevision: next.revision,
    contentHash: next.contentHash,
    upsertedApis: changes.apis.upserted,
    removedApiIds: changes.apis.removed,
    upsertedSubscriptions: changes.subscriptions.upserted,
    removedSubscriptionIds: changes.subscriptions.removed,
    upsertedPipelines: changes.pipelines.upserted,
    removedPipelines: changes.pipelines.removed.map(toPipelineKey),
  });
}

/**
 * No entities: the publisher does not know what the agents run (it restarted, or another replica
 * published meanwhile). An agent already at `content_hash` only moves its revision; any other
 * fetches a snapshot.
 */
export function resyncDelta(next: GatewayView): Delta {
  return create(DeltaSchema, { toRevision: next.revision, contentHash: next.contentHash, resync: true });
}
