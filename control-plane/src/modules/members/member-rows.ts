import { and, count, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { tenantMembers, users, type TenantRole } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';
import type { TenantActor } from '../../trpc/procedures.js';

/** A membership joined with its user, as lists and lookups return it. */
export const memberColumns = {
  id: tenantMembers.id,
  userId: users.id,
  email: users.email,
  name: users.name,
  role: tenantMembers.role,
  createdAt: tenantMembers.createdAt,
};

export async function findMember(tx: Db, tenantId: string, userId: string) {
  const [row] = await tx
    .select(memberColumns)
    .from(tenantMembers)
    .innerJoin(users, eq(users.id, tenantMembers.userId))
    .where(and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.userId, userId)));
  if (!row) throw notFound('Member');
  return row;
}

export async function ownerCount(tx: Db, tenantId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(tenantMembers)
    .where(and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.role, 'owner')));
  return row?.n ?? 0;
}

/** Only owners may make, unmake or remove owners: an admin cannot outrank itself. */
export async function assertMayTouchRole(tx: Db, actor: TenantActor, ...roles: TenantRole[]): Promise<void> {
  if (!roles.includes('owner')) return;
  const me = await findMember(tx, actor.tenantId, actor.userId);
  if (me.role !== 'owner')
    throw new PorticoError('CP_ERR_FORBIDDEN', { message: 'Only tenant owners can grant, change or remove the owner role' });
}

export function memberOut(row: { userId: string; email: string; name: string; role: TenantRole; createdAt: Date }) {
  return { userId: row.userId, email: row.email, name: row.name, role: row.role, joinedAt: row.createdAt.toISOString() };
}
