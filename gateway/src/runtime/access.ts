import { hash } from 'node:crypto';
import { SubscriptionScope, SubscriptionState, type GatewayView } from '@portico/proto';
import { GW_ERR, type GatewayError } from './gateway-errors.js';

/** A subscription as the request path checks it: scope resolved to a set lookup. */
export interface CompiledSubscription {
  readonly id: string;
  readonly active: boolean;
  /** Unix ms; 0 when it does not expire. */
  readonly expiresAtMs: number;
  readonly scope: SubscriptionScope;
  readonly scopeId: string;
  /** For a product scope: the product's API ids. */
  readonly productApiIds: ReadonlySet<string> | undefined;
}

/** The access facts of one API, resolved at compile time. */
export interface ApiAccess {
  readonly apiId: string;
  readonly workspaceId: string;
  readonly subscriptionRequired: boolean;
  /** An open product (no subscription required) holding the API; calls without a key go through it. */
  readonly openProductId: string | undefined;
}

/** SHA-256 (hex) of each primary and secondary key → its subscription. */
export type KeyIndex = ReadonlyMap<string, CompiledSubscription>;

export function buildKeyIndex(view: GatewayView): KeyIndex {
  const productApis = new Map<string, ReadonlySet<string>>();
  for (const product of view.products) productApis.set(product.id, new Set(product.apiIds));
  const index = new Map<string, CompiledSubscription>();
  for (const s of view.subscriptions) {
    const subscription: CompiledSubscription = {
      id: s.id,
      active: s.state === SubscriptionState.ACTIVE,
      expiresAtMs: Number(s.expiresAtMs),
      scope: s.scope,
      scopeId: s.scopeId,
      productApiIds: s.scope === SubscriptionScope.PRODUCT ? (productApis.get(s.scopeId) ?? new Set()) : undefined,
    };
    for (const keyHash of [s.primaryKeySha256, s.secondaryKeySha256]) {
      if (keyHash.length > 0) index.set(Buffer.from(keyHash).toString('hex'), subscription);
    }
  }
  return index;
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
const keyHashes = new Map<string, string>();

function rememberKeyHash(key: string, keyHash: string): void {
  if (keyHashes.size >= KEY_HASH_CACHE_SIZE) keyHashes.delete(keyHashes.keys().next().value!);
  keyHashes.set(key, keyHash);
}

/** Where the access check writes the product a call goes through ('' for none). */
export interface AccessTarget {
  productId: string;
}

function covers(subscription: CompiledSubscription, api: ApiAccess): boolean {
  switch (subscription.scope) {
    case SubscriptionScope.PRODUCT:
      return subscription.productApiIds?.has(api.apiId) === true;
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
  const keyHash = cached ?? hash('sha256', key, 'hex');
  const subscription = keys.get(keyHash);
  if (subscription === undefined) return GW_ERR.subscriptionKeyInvalid;
  if (cached === undefined) rememberKeyHash(key, keyHash);
  if (!subscription.active || (subscription.expiresAtMs !== 0 && subscription.expiresAtMs <= Date.now())) {
    return GW_ERR.subscriptionInactive;
  }
  if (!covers(subscription, api)) return GW_ERR.subscriptionNoAccess;
  target.productId = subscription.scope === SubscriptionScope.PRODUCT ? subscription.scopeId : '';
  return undefined;
}
