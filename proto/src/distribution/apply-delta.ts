import { create } from '@bufbuild/protobuf';
import { GatewayViewSchema, type Delta, type GatewayView } from '../index.js';

/** Replaces and removes entities by key, keeping the order of those that stay. */
function patch<T>(current: T[], upserted: T[], removed: Iterable<string>, key: (item: T) => string): T[] {
  if (upserted.length === 0) {
    const gone = new Set(removed);
    return gone.size === 0 ? current : current.filter((item) => !gone.has(key(item)));
  }
  const next = new Map<string, T>();
  for (const item of current) next.set(key(item), item);
  for (const id of removed) next.delete(id);
  for (const item of upserted) next.set(key(item), item);
  return [...next.values()];
}

const pipelineKey = (p: { operationId: string; productId: string }) => `${p.operationId}\u0000${p.productId}`;

/**
 * The view after `delta`, which must start at `view.revision` (the caller checks). A new
 * object: the view being served is never touched, so requests in flight keep a consistent one.
 */
export function applyDelta(view: GatewayView, delta: Delta): GatewayView {
  return create(GatewayViewSchema, {
    tenantId: view.tenantId,
    gatewayId: view.gatewayId,
    revision: delta.toRevision,
    contentHash: delta.contentHash,
    apis: patch(view.apis, delta.upsertedApis, delta.removedApiIds, (a) => a.id),
    backends: patch(view.backends, delta.upsertedBackends, delta.removedBackendIds, (b) => b.id),
    products: patch(view.products, delta.upsertedProducts, delta.removedProductIds, (p) => p.id),
    subscriptions: patch(view.subscriptions, delta.upsertedSubscriptions, delta.removedSubscriptionIds, (s) => s.id),
    namedValues: patch(view.namedValues, delta.upsertedNamedValues, delta.removedNamedValueNames, (n) => n.name),
    pipelines: patch(view.pipelines, delta.upsertedPipelines, delta.removedPipelines.map(pipelineKey), pipelineKey),
  });
}
