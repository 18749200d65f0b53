import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { configChanges, tenants, type ConfigChangeOp, type ConfigEntityType } from '../../db/schema/index.js';

export interface ConfigChange {
  entityType: ConfigEntityType;
  entityId: string;
  op: ConfigChangeOp;
}

/** NOTIFY channel of committed config changes; the payload is the tenant id (distribution/config-publisher.ts). */
export const CONFIG_CHANGE_CHANNEL = 'portico_config';

// One revision per tenant per transaction, however many entities it changes (a bulk import is
// one delta); a system job touching several tenants takes one revision for each.
const revisionsOfTransaction = new WeakMap<Db, Map<string, number>>();

/**
 * Records what a mutation changed for the gateways, in the mutation's transaction. Taking the
 * revision locks the tenant row until commit, so revisions become visible in order.
 */
export async function recordConfigChange(tx: Db, tenantId: string, changes: ConfigChange[]): Promise<number> {
  let revisions = revisionsOfTransaction.get(tx);
  if (!revisions) revisionsOfTransaction.set(tx, (revisions = new Map<string, number>()));
  let revision = revisions.get(tenantId);
  if (revision === undefined) {
    const [row] = await tx
      .update(tenants)
      .set({ configRevision: sql`${tenants.configRevision} + 1` })
      .where(eq(tenants.id, tenantId))
      .returning({ revision: tenants.configRevision });
    revision = row!.revision;
    revisions.set(tenantId, revision);
    // Postgres delivers it at commit, and never on rollback: listeners only hear of committed revisions.
    await tx.execute(sql`select pg_notify(${CONFIG_CHANGE_CHANNEL}, ${tenantId})`);
  }
  const rows = changes.map((c) => ({ tenantId, revision: revision, ...c }));
  for (let i = 0; i < rows.length; i += 1000) {
    await tx
      .insert(configChanges)
      .values(rows.slice(i, i + 1000))
      .onConflictDoUpdate({
        target: [configChanges.tenantId, configChanges.revision, configChanges.entityType, configChanges.entityId],
        set: { op: sql`excluded.op` },
      });
  }
  return revision;
}
