import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { groupMembers, groups, tenantMembers, type BuiltInGroup, type TenantRole } from '../../db/schema/index.js';

/**
 * Who is in a group — the one place that says so. Custom groups list their members in
 * `group_members` (tenant members only). Built-in groups are implicit and never stored:
 *
 * - `administrators`: the tenant's owners and admins;
 * - `developers`: every signed-in user of the tenant, whatever their tenant role;
 * - `guests`: anonymous portal visitors, so no signed-in user. A product visible to guests
 *   only is hidden from signed-in users, as in Azure API Management: make it visible to
 *   developers too.
 */
const ADMINISTRATOR_ROLES: readonly TenantRole[] = ['owner', 'admin'];

/** The tenant memberships that make up a built-in group, as a condition on `tenant_members`. */
export function implicitMembers(builtIn: BuiltInGroup): SQL | undefined {
  switch (builtIn) {
    case 'administrators':
      return inArray(tenantMembers.role, ADMINISTRATOR_ROLES);
    case 'developers':
      return undefined;
    case 'guests':
      return sql`false`;
  }
}

/** Ids of every group `userId` belongs to in the tenant, implicit ones included; none if not a member. */
export async function groupIdsOf(db: Db, tenantId: string, userId: string): Promise<string[]> {
  const [member] = await db
    .select({ role: tenantMembers.role })
    .from(tenantMembers)
    .where(and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.userId, userId)));
  if (!member) return [];
  const builtIn: BuiltInGroup[] = ADMINISTRATOR_ROLES.includes(member.role) ? ['developers', 'administrators'] : ['developers'];
  const custom = db
    .select({ groupId: groupMembers.groupId })
    .from(groupMembers)
    .where(and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.userId, userId)));
  const rows = await db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.tenantId, tenantId), or(inArray(groups.builtIn, builtIn), inArray(groups.id, custom))));
  return rows.map((row) => row.id);
}

/** A membership row's id names both ends, like the other link tables (`gateway_apis`). */
export const groupMemberKey = (groupId: string, userId: string) => `${groupId}:${userId}`;

export const groupMemberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  addedAt: z.string().meta({ description: 'When they joined the group (for built-in groups: the tenant)' }),
});

export function groupMemberOut(row: { userId: string; email: string; name: string; createdAt: Date }) {
  return { userId: row.userId, email: row.email, name: row.name, addedAt: row.createdAt.toISOString() };
}
