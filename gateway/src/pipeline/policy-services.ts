/**
 * A long-lived service policies share: counters, caches, JWKS sets, sinks for metrics and
 * traces. Declared next to the policy that uses it; created on first use with `create`.
 *
 * @example
 * export const rateLimitCounters = new ServiceKey('rate-limit counters', () => new WindowCounters());
 * const counters = deps.services.get(rateLimitCounters);
 */
export class ServiceKey<T> {
  constructor(
    readonly name: string,
    /** Gets the services, for a service built on another (e.g. one the agent `set`). */
    readonly create: (services: PolicyServices) => T,
  ) {}
}

interface Closable {
  close(): void | Promise<void>;
}

function isClosable(value: unknown): value is Closable {
  return typeof value === 'object' && value !== null && typeof (value as Closable).close === 'function';
}

/**
 * The services of one gateway process. They outlive config revisions — a new revision must not
 * reset a rate limit or empty a cache — so compileConfig carries them from one compiled config
 * to the next; the agent (or a test) may `set` one before the first compile, e.g. the fleet
 * quota client that talks to the control plane.
 */
export class PolicyServices {
  private readonly values = new Map<ServiceKey<unknown>, unknown>();

  get<T>(key: ServiceKey<T>): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = key.create(this);
    this.values.set(key, value);
    return value;
  }

  set<T>(key: ServiceKey<T>, value: T): void {
    this.values.set(key, value);
  }

  /** Closes every service that has a `close()` (timers, sockets), once. */
  async close(): Promise<void> {
    const values = [...this.values.values()];
    this.values.clear();
    for (const value of values) if (isClosable(value)) await value.close();
  }
}
