import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { setTenantRole } from '../../authz/grants.js';
import type { Db } from '../../db/client.js';
import { BUILT_IN_GROUPS, groups, tenantMembers, tenants, users, workspaces, type BuiltInGroup } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { slugify } from '../../lib/validation.js';

/** A tenant slug not yet taken: the organisation's name, or that plus a short suffix. */
async function freeTenantSlug(tx: Db, name: string): Promise<string> {
  const base = slugify(name, 'tenant');
  const [taken] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, base));
  return taken ? `${base.slice(0, 50)}-${randomBytes(3).toString('hex')}` : base;
}

/** The built-in portal groups every tenant has; their membership is implicit (modules/groups/group-membership.ts). */
const BUILT_IN_GROUP_ROWS: Record<BuiltInGroup, { name: string; description: string }> = {
  administrators: { name: 'Administrators', description: 'Tenant owners and admins' },
  developers: { name: 'Developers', description: 'Every signed-in user of the tenant' },
  guests: { name: 'Guests', description: 'Anonymous visitors of the developer portal' },
};

/** A new tenant with its default workspace and built-in groups, owned by `userId`. */
export async function createTenant(tx: Db, userId: string, name: string) {
  const tenantId = newId('ten');
  const [tenant] = await tx
    .insert(tenants)
    .values({ id: tenantId, name, slug: await freeTenantSlug(tx, name) })
    .returning();
  await tx.insert(tenantMembers).values({ id: newId('tmem'), tenantId, userId, role: 'owner' });
  await setTenantRole(tx, tenantId, userId, 'owner');
  const [workspace] = await tx
    .insert(workspaces)
    .values({
      id: newId('ws'),
      tenantId,
      name: 'Default',
      slug: 'default',
      isDefault: true,
      description: 'Created with the tenant',
    })
    .returning();
  await tx
    .insert(groups)
    .values(BUILT_IN_GROUPS.map((builtIn) => ({ id: newId('grp'), tenantId, builtIn, ...BUILT_IN_GROUP_ROWS[builtIn] })));
  return { tenant: tenant!, workspace: workspace! };
}

export async function createUser(tx: Db, email: string, name: string, passwordHash: string) {
  const [user] = await tx
    .insert(users)
    .values({ id: newId('usr'), email, name, passwordHash })
    .returning();
  return user!;
}
