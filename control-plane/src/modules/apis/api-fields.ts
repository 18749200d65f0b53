import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { API_PROTOCOLS, apis, backends } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';

/** The URL suffix on the gateway: segments of URL-safe characters, no slash at either end. */
export const apiPathInput = z
  .string()
  .max(400)
  .regex(/^(?:[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*)?$/, {
    error: 'Use URL-safe segments separated by "/", without a slash at either end (e.g. "petstore/v1"), or "" for the root',
  })
  .meta({ example: 'petstore', description: 'URL suffix on the gateway' });

/** RFC 9110 token characters, as header names must be. */
export const headerNameInput = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'Not a valid HTTP header name' });

export const queryNameInput = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._~-]+$/, { error: 'Use URL-safe characters only' });

export const protocolsInput = z
  .array(z.enum(API_PROTOCOLS))
  .min(1, { error: 'At least one protocol' })
  .refine((list) => new Set(list).size === list.length, { error: 'Each protocol at most once' });

/** Gateways route on path (+ version) across the whole tenant, so a path is unique there. */
export async function assertPathFree(
  tx: Db,
  tenantId: string,
  path: string,
  apiVersion: string,
  exceptApiId?: string,
): Promise<void> {
  const [taken] = await tx
    .select({ id: apis.id, name: apis.name })
    .from(apis)
    .where(
      and(
        eq(apis.tenantId, tenantId),
        eq(apis.path, path),
        eq(apis.apiVersion, apiVersion),
        exceptApiId ? ne(apis.id, exceptApiId) : undefined,
      ),
    );
  if (taken) {
    throw new PorticoError('CP_ERR_CONFLICT', {
      message: `The path "${path}" is used by the API "${taken.name}" (${taken.id})`,
      fields: { path: ['Already used by another API in this tenant'] },
    });
  }
}

/** A backend the API may point at: in the same workspace. */
export async function assertBackendInWorkspace(tx: Db, tenantId: string, workspaceId: string, backendId: string): Promise<void> {
  const [row] = await tx
    .select({ id: backends.id })
    .from(backends)
    .where(and(eq(backends.id, backendId), eq(backends.tenantId, tenantId), eq(backends.workspaceId, workspaceId)));
  if (!row) throw notFound('Backend');
}

export async function findApi(tx: Db, tenantId: string, workspaceId: string, apiId: string) {
  const [row] = await tx
    .select()
    .from(apis)
    .where(and(eq(apis.id, apiId), eq(apis.tenantId, tenantId), eq(apis.workspaceId, workspaceId)));
  if (!row) throw notFound('API');
  return row;
}
