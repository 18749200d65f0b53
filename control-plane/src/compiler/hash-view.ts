import { createHash } from 'node:crypto';
import { clone, toBinary } from '@bufbuild/protobuf';
import { GatewayViewSchema, type GatewayView } from '@portico/proto';

const byKey =
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
 * SHA-256 (hex) of the canonical view's binary encoding without its revision and hash: a
 * revision bump that changed nothing this gateway sees keeps the hash, so nothing is pushed.
 * protobuf-es writes fields in field-number order and map entries in insertion order, which
 * canonicalize and the builders fix.
 */
export function hashView(view: GatewayView): string {
  const copy = canonicalize(clone(GatewayViewSchema, view));
  copy.revision = 0n;
  copy.contentHash = '';
  return createHash('sha256').update(toBinary(GatewayViewSchema, copy)).digest('hex');
}
