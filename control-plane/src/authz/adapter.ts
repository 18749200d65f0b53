import { and, eq, inArray, or } from 'drizzle-orm';
import type { FilteredAdapter, Model } from 'casbin';
import type { Db } from '../db/client.js';
import { casbinRule } from '../db/schema/index.js';

/** Load only what one decision needs: the role rules and one subject's grants in some domains. */
export interface RuleFilter {
  subject: string;
  domains: string[];
}

/**
 * A casbin adapter over our `casbin_rule` table. Only filtered loading is supported: the
 * control plane never holds every tenant's grants in memory, and grants are written by the
 * membership procedures inside their own transactions (see grants.ts), not through casbin.
 */
export class DrizzleCasbinAdapter implements FilteredAdapter {
  #filtered = false;
  constructor(private readonly db: Db) {}

  isFiltered(): boolean {
    return this.#filtered;
  }

  async loadFilteredPolicy(model: Model, filter: RuleFilter): Promise<void> {
    const rows = await this.db
      .select()
      .from(casbinRule)
      .where(
        or(
          eq(casbinRule.ptype, 'p'),
          and(eq(casbinRule.ptype, 'g'), eq(casbinRule.v0, filter.subject), inArray(casbinRule.v2, filter.domains)),
        ),
      );
    for (const row of rows) {
      const rule = [row.v0, row.v1, row.v2, row.v3, row.v4, row.v5];
      while (rule.length > 0 && rule[rule.length - 1] === '') rule.pop();
      model.addPolicy(row.ptype, row.ptype, rule);
    }
    this.#filtered = true;
  }

  loadPolicy(): Promise<void> {
    return Promise.reject(new Error('DrizzleCasbinAdapter loads filtered policies only'));
  }
  savePolicy(): Promise<boolean> {
    return Promise.reject(new Error('DrizzleCasbinAdapter is read-only; write grants with grants.ts'));
  }
  addPolicy(): Promise<void> {
    return this.savePolicy().then(() => undefined);
  }
  removePolicy(): Promise<void> {
    return this.savePolicy().then(() => undefined);
  }
  removeFilteredPolicy(): Promise<void> {
    return this.savePolicy().then(() => undefined);
  }
}
