import { and, eq, isNotNull, isNull, ne, or } from 'drizzle-orm';
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

/** A DNS name in lower case (RFC 1123 labels of 1–63 characters), or `*.` + one for any single label under it. */
const HOSTNAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The hosts the gateway serves the API on, like Kong's route `hosts`: a request matches by its
 * Host header (port and case ignored), an exact name before a wildcard. Empty: any host. Written
 * in any case, stored in lower case.
 */
export const hostnamesInput = z
  .array(
    z
      .string()
      .max(253, { error: 'Use at most 253 characters' })
      .toLowerCase()
      .regex(HOSTNAME, { error: 'Not a host name: expected e.g. api.example.com or *.example.com' }),
  )
  .max(20, { error: 'At most 20 host names' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((hostname, index) => {
      if (seen.has(hostname)) ctx.addIssue({ code: 'custom', path: [index], message: 'Listed twice' });
      seen.add(hostname);
    });
  })
  .meta({
    example: ['api.example.com', '*.api.example.com'],
    description: 'Host names the gateway serves the API on (`*.` for any one label); empty for any host',
  });

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

/**
 * An API's version within its version set. One URL segment under the segment scheme
 * (`/<path>/<apiVersion>/…`), a header or query value under the others, so it stays a short token.
 */
export const apiVersionInput = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/, {
    error: 'Use letters, digits, ".", "_" and "-" (not at either end), such as v2 or 2024-01-01',
  })
  .meta({ example: 'v2', description: 'The version within its version set, such as v2 or 2024-01-01' });

/**
 * Gateways route on path (+ version) across the whole tenant, so the pair is unique there (the
 * unique index backs this up). Beyond that, a path belongs either to one unversioned API or to
 * the versions of one version set: the gateway finds the set by path, then the version by the
 * set's scheme, and a second claimant at the same path would make that ambiguous.
 */
export async function assertPathFree(
  tx: Db,
  tenantId: string,
  path: string,
  apiVersion: string,
  exceptApiId?: string,
  versionSetId: string | null = null,
): Promise<void> {
  const samePath = and(eq(apis.tenantId, tenantId), eq(apis.path, path), exceptApiId ? ne(apis.id, exceptApiId) : undefined);
  const [taken] = await tx
    .select({ id: apis.id, name: apis.name })
    .from(apis)
    .where(and(samePath, eq(apis.apiVersion, apiVersion)));
  if (taken) {
    const what = apiVersion === '' ? `The path "${path}"` : `Version "${apiVersion}" of the path "${path}"`;
    throw new PorticoError('CP_ERR_CONFLICT', {
      message: `${what} is used by the API "${taken.name}" (${taken.id})`,
      fields: {
        path: ['Already used by another API in this tenant'],
        ...(apiVersion === '' ? {} : { apiVersion: ['This version of the path exists'] }),
      },
    });
  }
  const [other] = await tx
    .select({ id: apis.id, name: apis.name, versionSetId: apis.versionSetId })
    .from(apis)
    .where(
      and(
        samePath,
        versionSetId === null ? isNotNull(apis.versionSetId) : or(isNull(apis.versionSetId), ne(apis.versionSetId, versionSetId)),
      ),
    )
    .limit(1);
  if (other) {
    const owner =
      other.versionSetId === null
        ? `the unversioned API "${other.name}" (${other.id})`
        : `the versions of ${versionSetId === null ? 'a' : 'another'} version set (API "${other.name}", ${other.id})`;
    throw new PorticoError('CP_ERR_CONFLICT', {
      message: `The path "${path}" belongs to ${owner}; a path belongs either to one API or to the versions of one version set`,
      fields: { path: [`Used by ${owner}`] },
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
