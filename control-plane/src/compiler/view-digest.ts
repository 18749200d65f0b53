import { createHash } from 'node:crypto';
import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import {
  ApiSchema,
  BackendSchema,
  NamedValueSchema,
  PipelineSchema,
  ProductSchema,
  SubscriptionSchema,
  type GatewayView,
} from '@portico/proto';

/**
 * The entity kinds of a view: each with a one-letter tag (part of its digest key, so equal bytes
 * of two kinds never collide) and the key an agent patches it by.
 */
export const ENTITY_KINDS = {
  api: { tag: 'a', schema: ApiSchema },
  backend: { tag: 'b', schema: BackendSchema },
  product: { tag: 'p', schema: ProductSchema },
  subscription: { tag: 's', schema: SubscriptionSchema },
  namedValue: { tag: 'n', schema: NamedValueSchema },
  pipeline: { tag: 'l', schema: PipelineSchema },
} as const;

/** A pipeline's key, as deltas remove it: operation id, NUL, product id ('' for the plain one). */
export const pipelineKey = (p: { operationId: string; productId: string }) => `${p.operationId}\u0000${p.productId}`;

/** Digest of one entity: SHA-256 of its tag and its binary encoding (which holds its key). */
export function entityDigest<S extends DescMessage>(tag: string, schema: S, entity: MessageShape<S>): Buffer {
  return createHash('sha256').update(tag).update(toBinary(schema, entity)).digest();
}

/** Every entity of a view as `[tag:key, digest]`. */
export function viewEntries(view: GatewayView): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  const add = <S extends DescMessage>(
    kind: { tag: string; schema: S },
    items: MessageShape<S>[],
    key: (item: MessageShape<S>) => string,
  ) => {
    for (const item of items) out.push([`${kind.tag}:${key(item)}`, entityDigest(kind.tag, kind.schema, item)]);
  };
  add(ENTITY_KINDS.api, view.apis, (a) => a.id);
  add(ENTITY_KINDS.backend, view.backends, (b) => b.id);
  add(ENTITY_KINDS.product, view.products, (p) => p.id);
  add(ENTITY_KINDS.subscription, view.subscriptions, (s) => s.id);
  add(ENTITY_KINDS.namedValue, view.namedValues, (n) => n.name);
  add(ENTITY_KINDS.pipeline, view.pipelines, pipelineKey);
  return out;
}

/** Buckets the digests are spread over: an update re-hashes one bucket (≈ n / BUCKETS digests). */
const BUCKETS = 1024;
const EMPTY = Buffer.alloc(32);
const HASH_VERSION = 'portico.view.v2';

/** FNV-1a over UTF-16 code units: a stable, cheap bucket for a key. */
function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % BUCKETS;
}

/**
 * The per-entity digests of a view, from which its content hash is made (DESIGN §6, CONVENTIONS §6):
 *
 *   hash = SHA-256("portico.view.v2" ‖ NUL ‖ tenant ‖ NUL ‖ gateway ‖ NUL ‖ B₀ ‖ … ‖ B₁₀₂₃)
 *   Bᵢ   = SHA-256(digests of the entities whose key falls in bucket i, in key order), or 32 zero bytes
 *
 * so changing k entities re-hashes k buckets and the 32 KiB of bucket sums, whatever the view's
 * size. Immutable: `with` shares every bucket it does not touch, so a publisher can keep the
 * previous digest as the base until the new one is published.
 */
export class ViewDigest {
  private constructor(
    private readonly buckets: readonly (ReadonlyMap<string, Buffer> | undefined)[],
    /** Bucket sums, computed on demand; `undefined` = not computed yet. */
    private readonly sums: (Buffer | undefined)[],
  ) {}

  static of(entries: Iterable<[string, Buffer]>): ViewDigest {
    const buckets: (Map<string, Buffer> | undefined)[] = new Array<Map<string, Buffer> | undefined>(BUCKETS).fill(undefined);
    for (const [key, digest] of entries) {
      const index = bucketOf(key);
      (buckets[index] ??= new Map<string, Buffer>()).set(key, digest);
    }
    return new ViewDigest(buckets, new Array<Buffer | undefined>(BUCKETS).fill(undefined));
  }

  get(key: string): Buffer | undefined {
    return this.buckets[bucketOf(key)]?.get(key);
  }

  /** A digest with `set` entries added or replaced and `removed` keys dropped; `this` is unchanged. */
  with(set: [string, Buffer][], removed: string[]): ViewDigest {
    if (set.length === 0 && removed.length === 0) return this;
    const buckets = [...this.buckets];
    const sums = [...this.sums];
    const copied = new Set<number>();
    const writable = (index: number) => {
      if (!copied.has(index)) {
        copied.add(index);
        buckets[index] = new Map(buckets[index] ?? []);
        sums[index] = undefined;
      }
      return buckets[index] as Map<string, Buffer>;
    };
    for (const key of removed) {
      const index = bucketOf(key);
      if (buckets[index]?.has(key)) writable(index).delete(key);
    }
    for (const [key, digest] of set) writable(bucketOf(key)).set(key, digest);
    return new ViewDigest(buckets, sums);
  }

  /** The content hash of a view of `tenantId`/`gatewayId` holding these entities (hex). */
  hash(tenantId: string, gatewayId: string): string {
    const hash = createHash('sha256').update(`${HASH_VERSION}\u0000${tenantId}\u0000${gatewayId}\u0000`);
    for (let i = 0; i < BUCKETS; i++) hash.update(this.sum(i));
    return hash.digest('hex');
  }

  private sum(index: number): Buffer {
    const cached = this.sums[index];
    if (cached) return cached;
    const bucket = this.buckets[index];
    let sum = EMPTY;
    if (bucket && bucket.size > 0) {
      const keys = [...bucket.keys()].sort();
      sum = createHash('sha256')
        .update(Buffer.concat(keys.map((key) => bucket.get(key)!)))
        .digest();
    }
    this.sums[index] = sum;
    return sum;
  }
}

/** The digest of a whole (canonical) view. */
export function digestView(view: GatewayView): ViewDigest {
  return ViewDigest.of(viewEntries(view));
}
