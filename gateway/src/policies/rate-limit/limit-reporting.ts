import type { PolicyContext, PolicyResponse } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import type { RateLimitConfig } from './schema.js';

/** Azure's RateLimitExceeded, in our kebab-case form (`context.lastError.reason`). */
export const RATE_LIMIT_EXCEEDED = 'rate-limit-exceeded';

/** The longest wait a refusal can announce: renewal-period is at most 300 s. */
const MAX_WAIT_SECONDS = 300;

type Reporting = Pick<
  RateLimitConfig,
  | 'retry-after-header-name'
  | 'retry-after-variable-name'
  | 'remaining-calls-header-name'
  | 'remaining-calls-variable-name'
  | 'total-calls-header-name'
>;

/**
 * How a limit reports its state, as Azure's attributes say: on a refusal the 429 (Retry-After or
 * its renamed header, remaining 0, total) and the variables on-error reads; on an admitted call
 * the remaining-calls variable and, on the final response, the remaining and total headers.
 */
export class LimitReporting {
  readonly #source: string;
  readonly #where: string;
  readonly #retryAfterHeader: string;
  readonly #retryAfterVariable: string | undefined;
  readonly #remainingHeader: string | undefined;
  readonly #remainingVariable: string | undefined;
  readonly #totalHeader: string | undefined;
  /** Refusals by seconds to wait, built on first need: at most 300, and a flood of 429s allocates nothing. */
  readonly #refusals: (PolicyError | undefined)[] = [];
  #refusalsCalls = 0;
  /** Whether an admitted call has headers to add to the response. */
  readonly decoratesResponse: boolean;

  constructor(source: string, where: string, config: Reporting) {
    this.#source = source;
    this.#where = where;
    this.#retryAfterHeader = config['retry-after-header-name'] ?? 'Retry-After';
    this.#retryAfterVariable = config['retry-after-variable-name'];
    this.#remainingHeader = config['remaining-calls-header-name'];
    this.#remainingVariable = config['remaining-calls-variable-name'];
    this.#totalHeader = config['total-calls-header-name'];
    this.decoratesResponse = this.#remainingHeader !== undefined || this.#totalHeader !== undefined;
  }

  /** The error to throw for a call refused with `waitMs` left in a window of `calls`. */
  refuse(ctx: PolicyContext, waitMs: number, calls: number): PolicyError {
    const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.ceil(waitMs / 1000)));
    if (this.#retryAfterVariable !== undefined) ctx.variables.set(this.#retryAfterVariable, seconds);
    if (this.#remainingVariable !== undefined) ctx.variables.set(this.#remainingVariable, 0);
    if (calls !== this.#refusalsCalls) {
      this.#refusals.length = 0;
      this.#refusalsCalls = calls;
    }
    return (this.#refusals[seconds] ??= this.#refusal(seconds, calls));
  }

  #refusal(seconds: number, calls: number): PolicyError {
    const headers = [this.#retryAfterHeader, String(seconds)];
    if (this.#remainingHeader !== undefined) headers.push(this.#remainingHeader, '0');
    if (this.#totalHeader !== undefined) headers.push(this.#totalHeader, String(calls));
    return new PolicyError(
      this.#source,
      RATE_LIMIT_EXCEEDED,
      429,
      `Rate limit is exceeded. Try again in ${seconds} seconds.`,
      this.#where,
      headers,
    );
  }

  /** Records an admitted call's remaining count in the variable, if one is named. */
  admitted(ctx: PolicyContext, remaining: number): void {
    if (this.#remainingVariable !== undefined) ctx.variables.set(this.#remainingVariable, remaining);
  }

  /** Sets the remaining and total headers on the response being sent. */
  setHeaders(response: PolicyResponse, remaining: number, calls: number): void {
    if (this.#remainingHeader !== undefined) response.headers.set(this.#remainingHeader, [String(Math.max(0, remaining))]);
    if (this.#totalHeader !== undefined) response.headers.set(this.#totalHeader, [String(calls)]);
  }
}
