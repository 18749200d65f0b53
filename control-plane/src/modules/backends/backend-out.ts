import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { LOAD_BALANCING, backends } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';
import { credentialsOut, maskCredentials } from './backend-credentials.js';

export type BackendRow = typeof backends.$inferSelect;

const statusCodes = z.array(z.number());

export const backendSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string(),
  url: z.string().nullable(),
  pool: z.array(z.object({ url: z.string(), weight: z.number().optional(), priority: z.number().optional() })).nullable(),
  loadBalancing: z.enum(LOAD_BALANCING),
  connectTimeoutMs: z.number(),
  requestTimeoutMs: z.number(),
  retry: z
    .object({
      count: z.number(),
      intervalMs: z.number(),
      maxIntervalMs: z.number().optional(),
      onStatusCodes: statusCodes.optional(),
      onConnectionError: z.boolean().optional(),
    })
    .nullable(),
  circuitBreaker: z
    .object({
      failures: z.number(),
      windowMs: z.number(),
      tripMs: z.number(),
      statusCodes: statusCodes.optional(),
      acceptRetryAfter: z.boolean().optional(),
    })
    .nullable(),
  credentials: credentialsOut,
  tlsVerify: z.boolean(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BackendOut = z.infer<typeof backendSchema>;

/** The settings as callers see them: credentials masked. Also what audit diffs are made of. */
export function backendSettings(row: BackendRow) {
  return {
    name: row.name,
    description: row.description,
    url: row.url,
    pool: row.pool,
    loadBalancing: row.loadBalancing,
    connectTimeoutMs: row.connectTimeoutMs,
    requestTimeoutMs: row.requestTimeoutMs,
    retry: row.retry,
    circuitBreaker: row.circuitBreaker,
    credentials: maskCredentials(row.credentials),
    tlsVerify: row.tlsVerify,
  };
}

/** For a created backend's audit diff: unset settings (`url` of a pool, no retry…) are left out. */
export function withoutNulls<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null)) as Partial<T>;
}

export function backendOut(row: BackendRow): BackendOut {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    ...backendSettings(row),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A backend of this workspace; another workspace's or tenant's id is NOT_FOUND. */
export async function findBackend(db: Db, tenantId: string, workspaceId: string, backendId: string): Promise<BackendRow> {
  const [row] = await db
    .select()
    .from(backends)
    .where(and(eq(backends.id, backendId), eq(backends.tenantId, tenantId), eq(backends.workspaceId, workspaceId)));
  if (!row) throw notFound('Backend');
  return row;
}

export const nameTaken = (name: string) =>
  new PorticoError('CP_ERR_CONFLICT', {
    message: `A backend named "${name}" exists in this workspace`,
    fields: { name: ['Already used in this workspace'] },
  });

/** Backend names are unique per workspace (the unique index backs this up under races). */
export async function assertNameFree(db: Db, tenantId: string, workspaceId: string, name: string, exceptId?: string) {
  const [taken] = await db
    .select({ id: backends.id })
    .from(backends)
    .where(
      and(
        eq(backends.tenantId, tenantId),
        eq(backends.workspaceId, workspaceId),
        eq(backends.name, name),
        exceptId ? ne(backends.id, exceptId) : undefined,
      ),
    );
  if (taken) throw nameTaken(name);
}
