import type { FieldMap } from '../pipeline/field-map.js';
import type { PolicyContext } from '../pipeline/policy-context.js';

/**
 * What cache-lookup and cache-store share: the cached response's shape, the lookup's promise
 * to the store (a miss), and the HTTP caching rules (RFC 9111) both apply.
 */

export type DownstreamCaching = 'none' | 'private' | 'public';

/** A stored response: what a hit sends back, with the request header values it was chosen by. */
export interface CachedResponse {
  readonly status: number;
  readonly reason: string;
  /** Flat `[name, value, …]` without the headers a hit sets itself (see `storedHeaders`). */
  readonly headers: readonly string[];
  readonly body: Buffer;
  /** The cache's clock when stored, for `Age`, and when it expires, for `max-age`. */
  readonly storedAt: number;
  readonly expiresAt: number;
  /**
   * Request headers the backend's `Vary` named beyond vary-by-header, lower-cased, with the
   * values of the request that was stored (RFC 9111 §4.1): a request with other values misses.
   */
  readonly varyNames: readonly string[];
  readonly varyValues: readonly (string | undefined)[];
}

/** What a cache-lookup miss leaves for cache-store in outbound. */
export interface PendingStore {
  readonly key: string;
  readonly downstream: DownstreamCaching;
  readonly mustRevalidate: boolean;
  /** vary-by-header names as written, for the response's `Vary`. */
  readonly varyByHeaders: readonly string[];
}

// Keyed by the context rather than a context field: only exchanges that missed the cache pay.
const pendingStores = new WeakMap<PolicyContext, PendingStore>();

export function markPendingStore(ctx: PolicyContext, pending: PendingStore): void {
  pendingStores.set(ctx, pending);
}

/** Whether a cache-lookup miss left a key for cache-store, without taking it. */
export function hasPendingStore(ctx: PolicyContext): boolean {
  return pendingStores.has(ctx);
}

/** The miss cache-store should fill, once: a second cache-store in the same exchange finds none. */
export function takePendingStore(ctx: PolicyContext): PendingStore | undefined {
  const pending = pendingStores.get(ctx);
  if (pending !== undefined) pendingStores.delete(ctx);
  return pending;
}

// Headers a hit sets itself or that must not be replayed: framing, the gateway's request id,
// and the caching headers rebuilt from the entry's age (RFC 9111 §5.1).
const NOT_STORED = new Set(['content-length', 'x-request-id', 'age', 'cache-control', 'expires', 'transfer-encoding']);

/** The response's headers as stored: flat, original spelling, and their byte count. */
export function storedHeaders(headers: FieldMap): { flat: string[]; bytes: number } {
  const flat: string[] = [];
  let bytes = 0;
  for (const [key, values] of headers.entries()) {
    if (NOT_STORED.has(key)) continue;
    const name = headers.spelling(key);
    for (const value of values) {
      flat.push(name, value);
      bytes += name.length + value.length + 4;
    }
  }
  return { flat, bytes };
}

/** Lower-cased directive names of `Cache-Control` values (`max-age=60, private` → max-age, private). */
function cacheDirectives(values: readonly string[] | undefined): Set<string> {
  const directives = new Set<string>();
  if (values === undefined) return directives;
  for (const value of values) {
    for (const part of value.split(',')) {
      const equals = part.indexOf('=');
      const name = (equals === -1 ? part : part.slice(0, equals)).trim().toLowerCase();
      if (name !== '') directives.add(name);
    }
  }
  return directives;
}

/**
 * Whether a shared cache may keep the backend's response (RFC 9111 §3): not with `no-store`,
 * `private` (one user's data) or `no-cache` (the gateway cannot revalidate), nor with
 * `Set-Cookie`, which would hand one caller's cookie to the next.
 */
export function sharedCacheMayStore(headers: FieldMap): boolean {
  const directives = cacheDirectives(headers.get('cache-control'));
  if (directives.has('no-store') || directives.has('private') || directives.has('no-cache')) return false;
  return !headers.has('set-cookie');
}

/** Comma-separated tokens of a header's values, trimmed; empty ones dropped. */
export function headerTokens(values: readonly string[] | undefined): string[] {
  const tokens: string[] = [];
  if (values === undefined) return tokens;
  for (const value of values) {
    for (const part of value.split(',')) {
      const token = part.trim();
      if (token !== '') tokens.push(token);
    }
  }
  return tokens;
}

/** Adds `names` to the response's `Vary` (case-insensitively once each) unless it is `*`. */
export function mergeVary(headers: FieldMap, names: readonly string[]): void {
  if (names.length === 0) return;
  const tokens = headerTokens(headers.get('vary'));
  const seen = new Set(tokens.map((token) => token.toLowerCase()));
  if (seen.has('*')) return;
  let changed = false;
  for (const name of names) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    tokens.push(name);
    changed = true;
  }
  if (changed) headers.set('vary', [tokens.join(', ')]);
}

/** The `Cache-Control` the gateway sends with a cached response, per downstream-caching-type. */
export function downstreamCacheControl(downstream: DownstreamCaching, mustRevalidate: boolean, maxAgeSeconds: number): string {
  if (downstream === 'none') return 'no-store';
  const directive = `${downstream}, max-age=${maxAgeSeconds}`;
  return mustRevalidate ? `${directive}, must-revalidate` : directive;
}

/**
 * Appends `text` so that no two different sequences of parts build the same key: the length
 * goes first, so a value containing the separator cannot imitate another field.
 */
export function keyPart(key: string, text: string | undefined): string {
  return text === undefined ? `${key}-;` : `${key}${text.length}:${text};`;
}
