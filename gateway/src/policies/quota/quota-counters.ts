import { create } from '@bufbuild/protobuf';
import {
  QuotaLeaseRequestSchema,
  type QuotaDemand,
  type QuotaGrant,
  type QuotaLeaseReply,
  type QuotaLeaseRequest,
} from '@portico/proto';
import { ServiceKey } from '../../pipeline/policy-services.js';
import { QuotaLedger } from './quota-ledger.js';
import { quotaPeriodStart } from './quota-grant.js';

/**
 * Fleet-wide quota counting on one agent (gateway/docs/quotas.md). Each counter holds a slice of
 * calls leased from the control plane and admits requests from it without a round trip; it asks
 * for the next slice before this one runs out, so the request path waits only when a slice is
 * used up faster than a lease arrives, or at a counter's first call. Lease requests of one tick
 * travel together.
 *
 * Bound on overshoot: while the lease service answers, none — the control plane never grants
 * more calls than the limit. When it does not answer (timeout, NATS or control plane down), an
 * agent spends the slice it holds and then admits at most OFFLINE_SHARE of the limit per period
 * on its own: fleet-wide overshoot ≤ agents × ceil(limit × OFFLINE_SHARE) per period of outage.
 * Bandwidth is counted after each response and reported every second: overshoot ≤ what the
 * fleet's agents send in one report interval plus the responses in flight.
 */

export interface QuotaLimits {
  /** Calls per period; 0: calls are not limited. */
  readonly calls: number;
  /** Kilobytes per period; 0: bandwidth is not limited. */
  readonly kilobytes: number;
  /** 0: the period never ends. */
  readonly periodSeconds: number;
  /** Periods are aligned on this (Unix ms). */
  readonly firstPeriodStartMs: number;
}

export type QuotaLeaseFn = (request: QuotaLeaseRequest) => Promise<QuotaLeaseReply>;

/** Share of the limit an agent admits on its own per period while no lease service answers. */
export const OFFLINE_SHARE = 0.05;
/** After a refusal (limit reached) or a failed lease request, ask again no sooner than this. */
export const RECHECK_MS = 1_000;
const REPORT_INTERVAL_MS = 1_000;
/** Unused calls of a counter idle this long go back to the fleet. */
const IDLE_RETURN_MS = 10_000;
/** Counters idle this long (nothing held, nothing to report) are forgotten. */
const IDLE_EVICT_MS = 10 * 60_000;
const MAX_COUNTERS = 100_000;
const FIRST_WANT = 8;
const MAX_WANT = 1_000;

class QuotaCounter {
  periodStart = 0;
  periodEnd = 0;
  /** Leased calls not used yet. */
  available = 0;
  want = FIRST_WANT;
  pending: Promise<void> | undefined = undefined;
  settle: (() => void) | undefined = undefined;
  usedSinceLease = 0;
  leasedAt = 0;
  /** Calls to give back with the next request. */
  toReturn = 0;
  unreportedBytes = 0;
  /** Bytes counted fleet-wide in this period, as of the last reply (plus ours since). */
  knownBytes = 0;
  bandwidthExhausted = false;
  /** Do not ask the lease service again before this (Unix ms). */
  askAfter = 0;
  offline = false;
  offlineGranted = false;
  lastUsed = 0;

  constructor(
    readonly id: string,
    public limits: QuotaLimits,
  ) {}

  consume(amount: number, now: number): void {
    this.available -= amount;
    this.usedSinceLease += amount;
    this.lastUsed = now;
  }
}

/**
 * The lease service the agent sets before its first compile: a request to the control plane over
 * the transport, with a timeout. Unset (a standalone gateway, tests), the process counts alone,
 * with the same grant rule, through an in-memory ledger.
 */
export const quotaLeaseService = new ServiceKey<QuotaLeaseFn | undefined>('quota lease service', () => undefined);

export const quotaCounters = new ServiceKey('quota counters', (services) => new QuotaCounters(services.get(quotaLeaseService)));

export class QuotaCounters {
  readonly #counters = new Map<string, QuotaCounter>();
  readonly #lease: QuotaLeaseFn;
  readonly #remote: boolean;
  readonly #queue = new Set<QuotaCounter>();
  #flushScheduled = false;
  readonly #timer: NodeJS.Timeout;
  readonly #now: () => number;

  constructor(lease?: QuotaLeaseFn, now: () => number = Date.now) {
    this.#remote = lease !== undefined;
    const ledger = new QuotaLedger();
    this.#lease = lease ?? ((request) => Promise.resolve(ledger.lease(request, now())));
    this.#now = now;
    this.#timer = setInterval(() => this.#sweep(), REPORT_INTERVAL_MS);
    this.#timer.unref();
  }

  /**
   * Admits `amount` calls on counter `id` (true) or refuses them (false); a promise only while a
   * lease is awaited. `limits` are the statement's (they may come from expressions).
   */
  take(id: string, limits: QuotaLimits, amount: number): boolean | Promise<boolean> {
    const now = this.#now();
    const counter = this.#counter(id, limits, now);
    if (counter.bandwidthExhausted) return false;
    if (limits.calls === 0) return true;
    if (counter.available >= amount) {
      counter.consume(amount, now);
      if (counter.available * 4 <= counter.want && counter.pending === undefined && now >= counter.askAfter)
        void this.#refill(counter);
      return true;
    }
    if (now < counter.askAfter) return this.#offlineTake(counter, amount, now);
    return this.#refill(counter).then(() => this.#afterRefill(counter, amount));
  }

  /** Gives back calls a request took but did not count (increment-condition false). */
  refund(id: string, amount: number): void {
    const counter = this.#counters.get(id);
    if (counter !== undefined) counter.available += amount;
  }

  /** Counts body bytes against the counter's bandwidth limit, after the response. */
  addBytes(id: string, bytes: number): void {
    const counter = this.#counters.get(id);
    if (counter === undefined || counter.limits.kilobytes === 0 || bytes <= 0) return;
    counter.unreportedBytes += bytes;
    if (counter.knownBytes + counter.unreportedBytes >= counter.limits.kilobytes * 1024) {
      counter.bandwidthExhausted = true;
      this.#enqueue(counter);
    }
  }

  /** Seconds until the counter's period ends (for Retry-After); 0 when it never does. */
  secondsLeft(id: string): number {
    const counter = this.#counters.get(id);
    if (counter === undefined || !Number.isFinite(counter.periodEnd)) return 0;
    return Math.max(1, Math.ceil((counter.periodEnd - this.#now()) / 1000));
  }

  /** Whether the counter refused on bandwidth (for the error message). */
  bandwidthExhausted(id: string): boolean {
    return this.#counters.get(id)?.bandwidthExhausted ?? false;
  }

  get size(): number {
    return this.#counters.size;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #counter(id: string, limits: QuotaLimits, now: number): QuotaCounter {
    let counter = this.#counters.get(id);
    if (counter === undefined) {
      if (this.#counters.size >= MAX_COUNTERS) this.#evictOldest();
      counter = new QuotaCounter(id, limits);
      this.#counters.set(id, counter);
    } else counter.limits = limits;
    if (now >= counter.periodEnd) this.#roll(counter, now);
    return counter;
  }

  #roll(counter: QuotaCounter, now: number): void {
    const { periodSeconds, firstPeriodStartMs } = counter.limits;
    counter.periodStart = quotaPeriodStart(now, periodSeconds, firstPeriodStartMs);
    counter.periodEnd = periodSeconds <= 0 ? Infinity : counter.periodStart + periodSeconds * 1000;
    counter.available = 0;
    counter.toReturn = 0;
    counter.unreportedBytes = 0;
    counter.knownBytes = 0;
    counter.bandwidthExhausted = false;
    counter.askAfter = 0;
    counter.offlineGranted = false;
    counter.usedSinceLease = 0;
  }

  #afterRefill(counter: QuotaCounter, amount: number): boolean {
    const now = this.#now();
    if (now >= counter.periodEnd) this.#roll(counter, now);
    if (counter.bandwidthExhausted) return false;
    if (counter.available >= amount) {
      counter.consume(amount, now);
      return true;
    }
    return counter.offline ? this.#offlineTake(counter, amount, now) : false;
  }

  /** While no lease service answers: the agent's own share, once per period. */
  #offlineTake(counter: QuotaCounter, amount: number, now: number): boolean {
    if (counter.offline && !counter.offlineGranted) {
      counter.offlineGranted = true;
      counter.available += Math.ceil(counter.limits.calls * OFFLINE_SHARE);
    }
    if (counter.available < amount) return false;
    counter.consume(amount, now);
    return true;
  }

  #refill(counter: QuotaCounter): Promise<void> {
    if (counter.pending !== undefined) return counter.pending;
    const now = this.#now();
    // Ask for about a second's worth at the rate this counter was used since its last lease.
    if (counter.leasedAt > 0) {
      const rate = counter.usedSinceLease / Math.max(now - counter.leasedAt, 50);
      counter.want = Math.min(MAX_WANT, Math.max(1, Math.ceil(rate * 1000)));
    }
    counter.pending = new Promise<void>((resolve) => (counter.settle = resolve));
    this.#enqueue(counter);
    return counter.pending;
  }

  #enqueue(counter: QuotaCounter): void {
    this.#queue.add(counter);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = [...this.#queue];
    this.#queue.clear();
    const demands: QuotaDemand[] = [];
    const sent = batch.map((counter) => {
      const bytes = counter.unreportedBytes;
      const returned = counter.toReturn;
      counter.unreportedBytes = 0;
      counter.toReturn = 0;
      const wantCalls = counter.pending !== undefined && counter.limits.calls > 0 ? counter.want : 0;
      demands.push({
        $typeName: 'portico.fleet.v1.QuotaDemand',
        counter: counter.id,
        limitCalls: BigInt(counter.limits.calls),
        limitKilobytes: BigInt(counter.limits.kilobytes),
        periodStartMs: BigInt(counter.periodStart),
        periodSeconds: counter.limits.periodSeconds,
        wantCalls,
        returnedCalls: returned,
        usedBytes: BigInt(bytes),
      });
      return { counter, bytes, returned, periodStart: counter.periodStart };
    });
    const request = create(QuotaLeaseRequestSchema, { demands });
    const settleAll = () => {
      for (const { counter } of sent) {
        const settle = counter.settle;
        counter.pending = undefined;
        counter.settle = undefined;
        settle?.();
      }
    };
    this.#lease(request).then(
      (reply) => {
        if (reply.error !== '') throw new Error(reply.error);
        const grants = new Map<string, QuotaGrant>(reply.grants.map((grant) => [grant.counter, grant]));
        const now = this.#now();
        for (const { counter, periodStart } of sent) {
          const grant = grants.get(counter.id);
          counter.offline = false;
          if (grant === undefined || Number(grant.periodStartMs) !== periodStart || counter.periodStart !== periodStart) continue;
          counter.available += grant.grantedCalls;
          counter.usedSinceLease = 0;
          counter.leasedAt = now;
          counter.knownBytes = Number(grant.usedBytesTotal);
          counter.bandwidthExhausted =
            grant.bandwidthExhausted ||
            (counter.limits.kilobytes > 0 && counter.knownBytes + counter.unreportedBytes >= counter.limits.kilobytes * 1024);
          counter.askAfter = grant.grantedCalls === 0 && counter.limits.calls > 0 ? now + RECHECK_MS : 0;
        }
        settleAll();
      },
      () => {
        // Nothing was counted: keep the usage for the next attempt, and count on our own meanwhile.
        const now = this.#now();
        for (const { counter, bytes, returned, periodStart } of sent) {
          if (counter.periodStart !== periodStart) continue;
          counter.unreportedBytes += bytes;
          counter.toReturn += returned;
          if (this.#remote) counter.offline = true;
          counter.askAfter = now + RECHECK_MS;
        }
        settleAll();
      },
    );
  }

  /** Every second: report bandwidth, give idle slices back, forget idle counters. */
  #sweep(): void {
    const now = this.#now();
    for (const counter of this.#counters.values()) {
      if (now >= counter.periodEnd) {
        if (now - counter.lastUsed > IDLE_EVICT_MS && counter.pending === undefined) this.#counters.delete(counter.id);
        continue;
      }
      if (counter.available > 0 && now - counter.lastUsed > IDLE_RETURN_MS && !counter.offline) {
        counter.toReturn += counter.available;
        counter.available = 0;
      }
      if (counter.unreportedBytes > 0 || counter.toReturn > 0) this.#enqueue(counter);
      else if (now - counter.lastUsed > IDLE_EVICT_MS && counter.available === 0 && counter.pending === undefined)
        this.#counters.delete(counter.id);
    }
  }

  #evictOldest(): void {
    for (const counter of this.#counters.values()) {
      if (counter.pending !== undefined) continue;
      this.#counters.delete(counter.id);
      return;
    }
  }
}
