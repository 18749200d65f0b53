import { ServiceKey } from '../pipeline/policy-services.js';

/** The cache's default size: keys, bodies, headers and values counted together. */
export const DEFAULT_POLICY_CACHE_BYTES = 64 * 1024 * 1024;

// What one Map entry and its record cost beyond the key and payload bytes (V8 object, Map slot).
const ENTRY_OVERHEAD_BYTES = 96;

export interface PolicyCacheOptions {
  /** Total bytes the cache may hold; least recently used entries are evicted beyond it. */
  readonly maxBytes?: number;
  /**
   * Largest single entry; larger ones are not stored, so one big response cannot flush
   * everything else. A quarter of `maxBytes` by default.
   */
  readonly maxEntryBytes?: number;
  /** Monotonic milliseconds; tests pass a fake clock. */
  readonly now?: () => number;
}

interface Entry {
  readonly value: unknown;
  readonly bytes: number;
  readonly expiresAt: number;
}

/**
 * The gateway's internal cache (Azure's built-in cache): one per process, shared by every
 * revision, holding response-cache entries and cache-store-value values under separate key
 * prefixes. An LRU bounded by bytes, with a time to live per entry; expired entries are
 * dropped when read or when evicted for space, so no timer is needed.
 *
 * @example
 * deps.services.get(policyCacheKey).set('v\0rates', value, 120, 60_000);
 */
export class PolicyCache {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly #now: () => number;
  // Map iteration order is insertion order: re-inserting on a hit makes the first key the LRU.
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(options: PolicyCacheOptions = {}) {
    const maxBytes = options.maxBytes ?? DEFAULT_POLICY_CACHE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)
      throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
    this.maxBytes = maxBytes;
    this.maxEntryBytes = Math.min(options.maxEntryBytes ?? Math.floor(maxBytes / 4), maxBytes);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Bytes held, by the same count as `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cache's clock, in milliseconds: what `ttlMs` counts against. */
  now(): number {
    return this.#now();
  }

  /** The live value under `key`, marking it recently used; undefined when absent or expired. */
  get(key: string): unknown {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(key, entry);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /**
   * Stores `value` (of `payloadBytes` bytes: body, headers, serialised value) for `ttlMs`.
   * Returns false, keeping whatever was there, when the entry is larger than `maxEntryBytes`.
   */
  set(key: string, value: unknown, payloadBytes: number, ttlMs: number): boolean {
    const bytes = key.length * 2 + payloadBytes + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxEntryBytes || !(ttlMs > 0)) return false;
    const previous = this.#entries.get(key);
    if (previous !== undefined) this.#remove(key, previous);
    this.#entries.set(key, { value, bytes, expiresAt: this.#now() + ttlMs });
    this.#bytes += bytes;
    if (this.#bytes > this.maxBytes) this.#evict();
    return true;
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#remove(key, entry);
    return true;
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  // Oldest first; an expired entry anywhere is as good a victim, but finding it would mean a scan.
  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) return;
      this.#remove(key, entry);
    }
  }
}

/**
 * The process's cache. The agent sizes it before the first compile:
 * `services.set(policyCacheKey, new PolicyCache({ maxBytes }))`.
 */
export const policyCacheKey = new ServiceKey('policy cache', () => new PolicyCache());

/** Key prefixes: the two kinds of entries never collide. */
export const CacheNamespace = {
  response: 'r\0',
  value: 'v\0',
} as const;
