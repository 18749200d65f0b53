import { clone } from '@bufbuild/protobuf';
import { GatewayViewSchema, type GatewayView } from '@portico/proto';
import { digestView } from './view-digest.js';

export const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

/**
 * Sorts the view's repeated fields whose order carries no meaning, in place, so equal config
 * encodes to equal bytes whatever order the database returned rows in. Statement, parameter
 * and target order is meaningful and left alone.
 */
export function canonicalize(view: GatewayView): GatewayView {
  view.apis.sort(byKey((a) => a.id));
  for (const api of view.apis) api.operations.sort(byKey((o) => o.id));
  view.backends.sort(byKey((b) => b.id));
  view.products.sort(byKey((p) => p.id));
  for (const product of view.products) product.apiIds.sort();
  view.subscriptions.sort(byKey((s) => s.id));
  view.namedValues.sort(byKey((n) => n.name));
  view.pipelines.sort(byKey((p) => `${p.operationId}\u0000${p.productId}`));
  return view;
}

/**
 * The view's content hash: SHA-256 over its per-entity digests (view-digest.ts), without its
 * revision and hash, so a revision bump that changed nothing this gateway sees keeps the hash and
 * nothing is pushed. Defined over digests rather than the whole encoding so the publisher's
 * incremental path (update-gateway-view.ts) re-hashes only the entities a change touched; agents
 * treat it as opaque. Entities are encoded canonically (canonicalize, and the builders fix map order).
 */
export function hashView(view: GatewayView): string {
  return digestView(canonicalize(clone(GatewayViewSchema, view))).hash(view.tenantId, view.gatewayId);
}
