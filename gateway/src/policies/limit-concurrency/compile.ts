import { PolicyError } from '../../pipeline/policy-error.js';
import { ServiceKey } from '../../pipeline/policy-services.js';
import { runStatements } from '../../pipeline/run-pipeline.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { LimitConcurrencyConfig } from './schema.js';

/**
 * Requests inside limit-concurrency statements, by key. Keys are shared by every statement that
 * names them (as in Azure); an entry lives only while a request holds a slot, so the map is
 * bounded by the requests in flight.
 */
export class ConcurrencySlots {
  readonly #held = new Map<string, number>();

  /** Takes a slot under `key` when fewer than `max` are held. */
  tryAcquire(key: string, max: number): boolean {
    const held = this.#held.get(key) ?? 0;
    if (held >= max) return false;
    this.#held.set(key, held + 1);
    return true;
  }

  release(key: string): void {
    const held = this.#held.get(key) ?? 0;
    if (held <= 1) this.#held.delete(key);
    else this.#held.set(key, held - 1);
  }

  held(key: string): number {
    return this.#held.get(key) ?? 0;
  }
}

export const concurrencySlots = new ServiceKey('limit-concurrency slots', () => new ConcurrencySlots());

/**
 * limit-concurrency: runs its statements for at most `max-count` requests at a time per key; a
 * request over the limit is refused at once with 429, as Azure does (no queueing). The slot is
 * released when the statements end, whatever the path: success, a failure, or the caller going
 * away (which aborts the backend call inside).
 *
 * @example createLimitConcurrency({ key: '@(subscription.id)', 'max-count': 5, statements: [{ 'forward-request': {} }] }, deps)
 */
export function createLimitConcurrency(config: LimitConcurrencyConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'limit-concurrency', path: deps.path };
  const key = deps.expressions.string(config.key, site);
  const max = config['max-count'];
  const statements = deps.compileStatements(config.statements, `${deps.path}.limit-concurrency.statements`);
  const slots = deps.services.get(concurrencySlots);
  const refused = new PolicyError(
    'limit-concurrency',
    'concurrency-limit-exceeded',
    429,
    'Too many concurrent requests; retry later.',
    `${deps.path} limit-concurrency`,
  );
  return function limitConcurrency(ctx) {
    const slot = key.constant ?? key.evaluate(ctx);
    if (!slots.tryAcquire(slot, max)) throw refused;
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = statements === null ? Outcome.continue : runStatements(statements, ctx);
    } catch (error) {
      slots.release(slot);
      throw error;
    }
    if (typeof outcome === 'number') {
      slots.release(slot);
      return outcome;
    }
    return outcome.finally(() => slots.release(slot));
  };
}
