import type { Pool } from 'undici';
import type { CircuitBreaker } from './circuit-breaker.js';

/** One target of a backend: its pool, where its path starts, and its balancing state. */
export class UpstreamTarget {
  readonly url: string;
  readonly pool: Pool;
  /** The target URL's path without a trailing slash ('' for the origin's root). */
  readonly basePath: string;
  readonly weight: number;
  readonly priority: number;
  readonly breaker: CircuitBreaker | null;
  /** Smooth weighted round robin's running weight (nginx's algorithm). */
  currentWeight = 0;
  inFlight = 0;

  constructor(url: string, pool: Pool, basePath: string, weight: number, priority: number, breaker: CircuitBreaker | null) {
    this.url = url;
    this.pool = pool;
    this.basePath = basePath;
    this.weight = weight;
    this.priority = priority;
    this.breaker = breaker;
  }

  available(now: number): boolean {
    return this.breaker === null || this.breaker.available(now);
  }
}
