import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { gateways } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';
import { nameInput } from '../../lib/validation.js';

export type GatewayRow = typeof gateways.$inferSelect;

export const gatewayFields = {
  name: nameInput('name'),
  description: z.string().max(2000),
  location: z.string().trim().max(200).meta({ description: 'Where its instances run, for people', example: 'eu-west on-prem' }),
};

export const gatewaySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  location: z.string(),
  version: z.number(),
  publishedRevision: z.number().nullable().meta({
    description: "The config revision its agents were last sent (null until the first publish); revisions are the tenant's",
  }),
  publishedHash: z.string().nullable().meta({ description: 'Content hash of that config: an instance running it is in sync' }),
  publishedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function gatewayOut(row: GatewayRow): z.infer<typeof gatewaySchema> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    location: row.location,
    version: row.version,
    publishedRevision: row.publishedRevision,
    publishedHash: row.publishedHash,
    publishedAt: row.publishedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A gateway of the caller's tenant; another tenant's id is NOT_FOUND. */
export async function findGateway(db: Db, tenantId: string, gatewayId: string): Promise<GatewayRow> {
  const [row] = await db
    .select()
    .from(gateways)
    .where(and(eq(gateways.id, gatewayId), eq(gateways.tenantId, tenantId)));
  if (!row) throw notFound('Gateway');
  return row;
}

export const nameTaken = (name: string) =>
  new PorticoError('CP_ERR_CONFLICT', {
    message: `A gateway named "${name}" exists`,
    fields: { name: ['Already used in this tenant'] },
  });

/** Gateway names are unique per tenant (the unique index backs this up under races). */
export async function assertNameFree(db: Db, tenantId: string, name: string, exceptId?: string): Promise<void> {
  const [taken] = await db
    .select({ id: gateways.id })
    .from(gateways)
    .where(and(eq(gateways.tenantId, tenantId), eq(gateways.name, name), exceptId ? ne(gateways.id, exceptId) : undefined));
  if (taken) throw nameTaken(name);
}
