import { and, eq, like, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { casbinRule, type TenantRole, type WorkspaceRole } from '../db/schema/index.js';
import { policyRules, tenantDomain, tenantRoleName, userSubject, workspaceDomain, workspaceRoleName } from './permissions.js';

/**
 * Role grants as casbin `g` rows. Callers pass their transaction so the grant commits or
 * rolls back with the membership row it mirrors.
 */
export async function setTenantRole(tx: Db, tenantId: string, userId: string, role: TenantRole): Promise<void> {
  await revokeTenantRole(tx, tenantId, userId);
  await tx
    .insert(casbinRule)
    .values({ ptype: 'g', v0: userSubject(userId), v1: tenantRoleName(role), v2: tenantDomain(tenantId) });
}

export async function revokeTenantRole(tx: Db, tenantId: string, userId: string): Promise<void> {
  await tx
    .delete(casbinRule)
    .where(and(eq(casbinRule.ptype, 'g'), eq(casbinRule.v0, userSubject(userId)), eq(casbinRule.v2, tenantDomain(tenantId))));
}

export async function setWorkspaceRole(tx: Db, workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
  await revokeWorkspaceRole(tx, workspaceId, userId);
  await tx
    .insert(casbinRule)
    .values({ ptype: 'g', v0: userSubject(userId), v1: workspaceRoleName(role), v2: workspaceDomain(workspaceId) });
}

export async function revokeWorkspaceRole(tx: Db, workspaceId: string, userId: string): Promise<void> {
  await tx
    .delete(casbinRule)
    .where(
      and(eq(casbinRule.ptype, 'g'), eq(casbinRule.v0, userSubject(userId)), eq(casbinRule.v2, workspaceDomain(workspaceId))),
    );
}

/** Every grant in a workspace goes with it. */
export async function revokeWorkspaceGrants(tx: Db, workspaceId: string): Promise<void> {
  await tx.delete(casbinRule).where(and(eq(casbinRule.ptype, 'g'), eq(casbinRule.v2, workspaceDomain(workspaceId))));
}

/** Every grant a user holds in a tenant and its workspaces (on removal from the tenant). */
export async function revokeAllGrants(tx: Db, userId: string, domains: string[]): Promise<void> {
  for (const domain of domains) {
    await tx
      .delete(casbinRule)
      .where(and(eq(casbinRule.ptype, 'g'), eq(casbinRule.v0, userSubject(userId)), eq(casbinRule.v2, domain)));
  }
}

// Arbitrary constant: serialises the rule sync among replicas starting together.
const RULE_SYNC_LOCK = 727_310_002;

/** Writes the role rules from permissions.ts to `casbin_rule`, replacing older ones. */
export async function syncPolicyRules(db: Db): Promise<void> {
  const rules = policyRules();
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${RULE_SYNC_LOCK})`);
    await tx.delete(casbinRule).where(and(eq(casbinRule.ptype, 'p'), like(casbinRule.v0, 'role:%')));
    await tx.insert(casbinRule).values(rules.map(([v0 = '', v1 = '', v2 = '', v3 = '']) => ({ ptype: 'p', v0, v1, v2, v3 })));
  });
}
