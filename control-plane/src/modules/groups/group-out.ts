import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { BUILT_IN_GROUPS, groups } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';
import { nameInput } from '../../lib/validation.js';

type GroupRow = typeof groups.$inferSelect;

export const groupFields = {
  name: nameInput('name').meta({ example: 'Partners' }),
  description: z.string().max(2000),
};

export const groupSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  builtIn: z
    .enum(BUILT_IN_GROUPS)
    .nullable()
    .meta({ description: 'Which built-in group this is (membership implicit); null for custom groups' }),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function groupOut(row: GroupRow): z.infer<typeof groupSchema> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    builtIn: row.builtIn,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findGroup(db: Db, tenantId: string, groupId: string): Promise<GroupRow> {
  const [row] = await db
    .select()
    .from(groups)
    .where(and(eq(groups.id, groupId), eq(groups.tenantId, tenantId)));
  if (!row) throw notFound('Group');
  return row;
}

export const nameTaken = (name: string) =>
  new PorticoError('CP_ERR_CONFLICT', {
    message: `A group named "${name}" exists in this tenant`,
    fields: { name: ['Already used in this tenant'] },
  });

/** Group names are unique per tenant (the unique index backs this up under races). */
export async function assertNameFree(db: Db, tenantId: string, name: string, exceptId?: string): Promise<void> {
  const [taken] = await db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.tenantId, tenantId), eq(groups.name, name), exceptId ? ne(groups.id, exceptId) : undefined));
  if (taken) throw nameTaken(name);
}

/** Built-in groups keep their name and existence, and their membership is implicit. */
export function assertCustom(group: GroupRow, refusal: string): void {
  if (group.builtIn !== null) {
    throw new PorticoError('CP_ERR_CONFLICT', { message: `"${group.name}" is a built-in group: ${refusal}` });
  }
}
