/**
 * A target's circuit: `failures` failures within `windowMs` open it for `tripMs` (or the
 * backend's Retry-After when it is trusted); then one trial call decides whether it closes again.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #windowMs: number;
  readonly #tripMs: number;
  #failures = 0;
  #windowStart = 0;
  #openUntil = 0;
  #trialInFlight = false;

  constructor(threshold: number, windowMs: number, tripMs: number) {
    this.#threshold = threshold;
    this.#windowMs = windowMs;
    this.#tripMs = tripMs;
  }

  /** Whether a call may go to the target now (closed, or tripped long enough for a trial). */
  available(now: number): boolean {
    return this.#openUntil === 0 || (now >= this.#openUntil && !this.#trialInFlight);
  }

  /** Marks the call about to be sent; after a trip, that call is the trial. */
  acquire(now: number): void {
    if (this.#openUntil !== 0 && now >= this.#openUntil) this.#trialInFlight = true;
  }

  succeeded(): void {
    if (this.#openUntil === 0 && this.#failures === 0) return;
    this.#openUntil = 0;
    this.#trialInFlight = false;
    this.#failures = 0;
  }

  failed(now: number, retryAfterMs = 0): void {
    const tripFor = retryAfterMs > 0 ? retryAfterMs : this.#tripMs;
    if (this.#trialInFlight) {
      this.#trialInFlight = false;
      this.#openUntil = now + tripFor;
      return;
    }
    if (this.#openUntil !== 0) return;
    if (now - this.#windowStart > this.#windowMs) {
      this.#windowStart = now;
      this.#failures = 0;
    }
    if (++this.#failures >= this.#threshold) {
      this.#openUntil = now + tripFor;
      this.#failures = 0;
    }
  }

  /** Milliseconds until a trial is allowed; 0 when calls may go now. */
  waitMs(now: number): number {
    return this.#openUntil === 0 ? 0 : Math.max(0, this.#openUntil - now);
  }
}
