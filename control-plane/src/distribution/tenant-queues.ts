/**
 * One serial queue per tenant: everything that reads or moves a tenant's published state (change
 * runs, snapshots) runs one at a time, in arrival order, so two builds never race to publish.
 * Tenants do not wait for each other.
 */
export class TenantQueues {
  private readonly tails = new Map<string, Promise<void>>();
  /** Tenants with a change run queued that has not started yet. */
  private readonly waiting = new Set<string>();

  /** Runs `task` after every task queued before it for the tenant. */
  run<T>(tenantId: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(tenantId) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(tenantId, tail);
    void tail.then(() => {
      if (this.tails.get(tenantId) === tail) this.tails.delete(tenantId);
    });
    return result;
  }

  /**
   * Queues `task` unless one is already waiting to start: signals that arrive while a run is
   * under way cause exactly one more run after it, so a burst of changes costs at most two.
   * `task` handles its own errors; a rejection is dropped here.
   */
  runCoalesced(tenantId: string, task: () => Promise<void>): void {
    if (this.waiting.has(tenantId)) return;
    this.waiting.add(tenantId);
    this.run(tenantId, () => {
      this.waiting.delete(tenantId);
      return task();
    }).catch(() => undefined);
  }

  /** Resolves once every queue is empty, including work queued while waiting. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
