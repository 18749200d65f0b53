import { ServiceKey } from '../../pipeline/policy-services.js';

/**
 * Counters for rate-limit and rate-limit-by-key: exact per gateway process (DESIGN §7).
 *
 * Windows are fixed and start at a key's first counted call (not at clock boundaries), then
 * restart `renewal-period` seconds later. Chosen over a sliding window because it keeps one
 * number and one deadline per key — a Map lookup and an increment per call, no per-call
 * timestamps — gives an exact count and an exact Retry-After, and makes an idle key worthless
 * the moment its window ends, so expiring keys is trivial. The cost is the usual fixed-window
 * edge: a caller may fit up to 2 × calls into one period straddling two windows. Starting
 * windows per key spreads those edges out instead of releasing every caller at the same second.
 */
export class RateWindow {
  count = 0;
  /** `now()` value at which the window ends. */
  endsAt: number;

  constructor(endsAt: number) {
    this.endsAt = endsAt;
  }
}

/** Keys one table holds at most: beyond it the oldest window is forgotten (see `window`). */
export const DEFAULT_MAX_KEYS = 100_000;

/**
 * The windows of one limit (one statement, or one nested api/operation limit of it), by key.
 * The Map is kept in window-start order — a restarted window is moved to the end — so expired
 * windows gather at its front and are dropped from there.
 */
export class WindowTable {
  readonly #windows = new Map<string, RateWindow>();
  readonly #maxKeys: number;
  /** Windows forgotten because the table was full. */
  evicted = 0;

  constructor(maxKeys: number) {
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#windows.size;
  }

  /**
   * The current window of `key` at `now`, restarted when it has ended, created when there is
   * none. When the table is full, the window that started first is dropped to make room (its key
   * starts afresh): like nginx's limit_req zones, memory stays bounded and a flood of new keys
   * cannot make the limiter refuse everyone else.
   */
  window(key: string, now: number, periodMs: number): RateWindow {
    const found = this.#windows.get(key);
    if (found !== undefined) {
      if (found.endsAt > now) return found;
      this.#windows.delete(key);
      found.count = 0;
      found.endsAt = now + periodMs;
      this.#windows.set(key, found);
      return found;
    }
    this.#dropExpired(now, 2);
    if (this.#windows.size >= this.#maxKeys) {
      const oldest = this.#windows.keys().next();
      if (oldest.done !== true) {
        this.#windows.delete(oldest.value);
        this.evicted++;
      }
    }
    const created = new RateWindow(now + periodMs);
    this.#windows.set(key, created);
    return created;
  }

  /** Drops up to `limit` ended windows from the front; returns how many. */
  #dropExpired(now: number, limit: number): number {
    let dropped = 0;
    for (const [key, window] of this.#windows) {
      if (dropped >= limit || window.endsAt > now) break;
      this.#windows.delete(key);
      dropped++;
    }
    return dropped;
  }

  /** Drops every ended window at the front (all of them when every window has the same period). */
  sweep(now: number): void {
    this.#dropExpired(now, Infinity);
  }
}

export interface RateLimitCountersOptions {
  /** Keys per table; DEFAULT_MAX_KEYS by default. */
  maxKeys?: number;
  /**
   * A clock for tests (milliseconds, monotonic). Without it a call is timed by when its request
   * arrived (`ctx.startedAt`, already read from `performance.now()`), which costs nothing: reading
   * the clock again would be the most expensive step of a limit check.
   */
  now?: () => number;
  /** How often idle windows are dropped when no new key arrives to drop them; 60 s by default. */
  sweepIntervalMs?: number;
}

/**
 * The tables of every limit in the process, by id (`statementId`, plus `/api[0]` for a nested
 * limit), so a limit keeps its counts across config revisions and is shared by all the pipelines
 * an API- or product-scope statement was copied into. Tables are held weakly: while any compiled
 * statement uses one it stays (a revision is compiled while the previous one still holds its
 * tables); once none does, it is collected and its entry dropped by the sweep.
 */
export class RateLimitCounters {
  readonly #tables = new Map<string, WeakRef<WindowTable>>();
  readonly #maxKeys: number;
  readonly #sweepIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The test clock, if one was given. */
  readonly clock: (() => number) | undefined;
  readonly #now: () => number;

  constructor(options: RateLimitCountersOptions = {}) {
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.clock = options.now;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The table of limit `id`, shared with every other statement compiled with the same id. */
  table(id: string): WindowTable {
    const existing = this.#tables.get(id)?.deref();
    if (existing !== undefined) return existing;
    const table = new WindowTable(this.#maxKeys);
    this.#tables.set(id, new WeakRef(table));
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.sweep(), this.#sweepIntervalMs);
      this.#timer.unref();
    }
    return table;
  }

  /** Drops ended windows and the entries of collected tables. */
  sweep(): void {
    const now = this.#now();
    for (const [id, ref] of this.#tables) {
      const table = ref.deref();
      if (table === undefined) this.#tables.delete(id);
      else table.sweep(now);
    }
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The process's rate-limit counters; tests `set` one with a manual clock or a small key cap. */
export const rateLimitCounters = new ServiceKey('rate-limit counters', () => new RateLimitCounters());
