import { hash } from 'node:crypto';
import { SubscriptionScope, SubscriptionState, type GatewayView, type Subscription } from '@portico/proto';
import { GW_ERR, type GatewayError } from './gateway-errors.js';

/** The fields of a subscription the access check reads: the view's own message, not a copy. */
export type AccessSubscription = Pick<Subscription, 'id' | 'name' | 'state' | 'expiresAtMs' | 'scope' | 'scopeId'>;

/** The access facts of one API, resolved at compile time. */
export interface ApiAccess {
  readonly apiId: string;
  readonly workspaceId: string;
  readonly subscriptionRequired: boolean;
  /** An open product (no subscription required) holding the API; calls without a key go through it. */
  readonly openProductId: string | undefined;
}

const DIGEST_BYTES = 32;

/**
 * SHA-256 of each primary and secondary key → its subscription, as an open-addressing table
 * over one contiguous buffer of digests. At a million subscriptions a Map of hex strings costs
 * two million string allocations and most of the apply time in garbage collection; this costs
 * three typed arrays. Digests are uniformly distributed, so their first four bytes are the hash.
 */
export class KeyIndex {
  readonly size: number;
  private readonly digests: Buffer;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly owners: AccessSubscription[];

  private constructor(
    entries: number,
    fill: (add: (digest: Uint8Array, owner: AccessSubscription) => void) => void,
    /** Each product's API ids, for product-scoped subscriptions. */
    readonly productApis: ReadonlyMap<string, ReadonlySet<string>>,
  ) {
    let capacity = 16;
    while (capacity < entries * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity);
    this.digests = Buffer.alloc(entries * DIGEST_BYTES);
    this.owners = new Array<AccessSubscription>(entries);
    let count = 0;
    fill((digest, owner) => {
      if (digest.length !== DIGEST_BYTES) return;
      let slot = this.slotOf(digest, 0);
      for (;;) {
        const at = this.slots[slot]!;
        if (at === 0) break;
        // A key listed twice (primary of one, secondary of another) keeps its first owner.
        if (this.digests.compare(digest, 0, DIGEST_BYTES, (at - 1) * DIGEST_BYTES, at * DIGEST_BYTES) === 0) return;
        slot = (slot + 1) & this.mask;
      }
      this.digests.set(digest, count * DIGEST_BYTES);
      this.owners[count] = owner;
      this.slots[slot] = ++count;
    });
    this.size = count;
  }

  static fromView(view: GatewayView): KeyIndex {
    const productApis = new Map<string, ReadonlySet<string>>();
    for (const product of view.products) productApis.set(product.id, new Set(product.apiIds));
    return new KeyIndex(
      view.subscriptions.length * 2,
      (add) => {
        for (const s of view.subscriptions) {
          add(s.primaryKeySha256, s);
          add(s.secondaryKeySha256, s);
        }
      },
      productApis,
    );
  }

  /** For tests and tools: an index over explicit digests. */
  static of(entries: [digest: Uint8Array, owner: AccessSubscription][], productApis = new Map<string, ReadonlySet<string>>()) {
    return new KeyIndex(entries.length, (add) => entries.forEach(([digest, owner]) => add(digest, owner)), productApis);
  }

  get(digest: Uint8Array): AccessSubscription | undefined {
    let slot = this.slotOf(digest, 0);
    for (;;) {
      const at = this.slots[slot]!;
      if (at === 0) return undefined;
      if (this.digests.compare(digest, 0, DIGEST_BYTES, (at - 1) * DIGEST_BYTES, at * DIGEST_BYTES) === 0)
        return this.owners[at - 1];
      slot = (slot + 1) & this.mask;
    }
  }

  private slotOf(digest: Uint8Array, offset: number): number {
    return (digest[offset]! | (digest[offset + 1]! << 8) | (digest[offset + 2]! << 16) | (digest[offset + 3]! << 24)) & this.mask;
  }
}

export function buildKeyIndex(view: GatewayView): KeyIndex {
  return KeyIndex.fromView(view);
}

/** The first open product (in view order) of each API. */
export function openProductsByApi(view: GatewayView): Map<string, string> {
  const open = new Map<string, string>();
  for (const product of view.products) {
    if (product.subscriptionRequired) continue;
    for (const apiId of product.apiIds) if (!open.has(apiId)) open.set(apiId, product.id);
  }
  return open;
}

// SHA-256 (hex) of keys that matched a subscription recently. Callers send the same key on every
// call and hashing it is the dearest step of the check; the index lookup still decides each call.
// Only keys the index knew are kept, so a stream of made-up keys cannot churn it; oldest out first.
// The price: up to 1,024 recently used keys sit in the heap in clear, not only their hashes.
const KEY_HASH_CACHE_SIZE = 1024;
const keyHashes = new Map<string, Buffer>();

function rememberKeyHash(key: string, keyHash: Buffer): void {
  if (keyHashes.size >= KEY_HASH_CACHE_SIZE) keyHashes.delete(keyHashes.keys().next().value!);
  keyHashes.set(key, keyHash);
}

/** Where the access check writes the product a call goes through ('' for none). */
export interface AccessTarget {
  productId: string;
  /** The key's subscription, for policies (`subscription` in expressions). */
  subscription?: AccessSubscription | undefined;
}

function covers(subscription: AccessSubscription, api: ApiAccess, keys: KeyIndex): boolean {
  switch (subscription.scope) {
    case SubscriptionScope.PRODUCT:
      return keys.productApis.get(subscription.scopeId)?.has(api.apiId) === true;
    case SubscriptionScope.API:
      return subscription.scopeId === api.apiId;
    case SubscriptionScope.ALL_APIS:
      return subscription.scopeId === '' || subscription.scopeId === api.workspaceId;
    default:
      return false;
  }
}

/**
 * Decides whether a call may reach the API (Azure's subscription semantics); `key` is the
 * subscription key as sent, undefined when none was. Returns the error to send, or undefined
 * with the product the call goes through written into `target`.
 */
export function checkAccess(
  api: ApiAccess,
  keys: KeyIndex,
  key: string | undefined,
  missingKey: GatewayError,
  target: AccessTarget,
): GatewayError | undefined {
  if (!api.subscriptionRequired) {
    target.productId = api.openProductId ?? '';
    return undefined;
  }
  if (key === undefined || key === '') {
    if (api.openProductId === undefined) return missingKey;
    target.productId = api.openProductId;
    return undefined;
  }
  const cached = keyHashes.get(key);
  const keyHash = cached ?? hash('sha256', key, 'buffer');
  const subscription = keys.get(keyHash);
  if (subscription === undefined) return GW_ERR.subscriptionKeyInvalid;
  if (cached === undefined) rememberKeyHash(key, keyHash);
  const expiresAtMs = Number(subscription.expiresAtMs);
  if (subscription.state !== SubscriptionState.ACTIVE || (expiresAtMs !== 0 && expiresAtMs <= Date.now())) {
    return GW_ERR.subscriptionInactive;
  }
  if (!covers(subscription, api, keys)) return GW_ERR.subscriptionNoAccess;
  target.subscription = subscription;
  target.productId = subscription.scope === SubscriptionScope.PRODUCT ? subscription.scopeId : '';
  return undefined;
}
