import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { VERSIONING_SCHEMES, apiVersionSets, type VersioningScheme } from '../../db/schema/index.js';
import { PorticoError, notFound } from '../../errors.js';
import { headerNameInput, queryNameInput } from '../apis/api-fields.js';

export type VersionSetRow = typeof apiVersionSets.$inferSelect;

export const versionSetInput = {
  description: z.string().max(2000),
  versioningScheme: z.enum(VERSIONING_SCHEMES).meta({
    description: 'segment: /<path>/<apiVersion>/…; header: the version in versionHeaderName; query: in versionQueryName',
    example: 'segment',
  }),
  versionHeaderName: headerNameInput.meta({
    description: 'Required with the header scheme, refused otherwise',
    example: 'Api-Version',
  }),
  versionQueryName: queryNameInput.meta({
    description: 'Required with the query scheme, refused otherwise',
    example: 'api-version',
  }),
};

export interface SchemeIssue {
  path: [string];
  message: string;
}

/** Each scheme names exactly the carrier it uses: a header name for `header`, a query name for `query`. */
export function schemeIssues(scheme: VersioningScheme, headerName: string | null, queryName: string | null): SchemeIssue[] {
  const issues: SchemeIssue[] = [];
  if (scheme === 'header' && headerName === null)
    issues.push({ path: ['versionHeaderName'], message: 'Required with the header scheme' });
  if (scheme !== 'header' && headerName !== null)
    issues.push({ path: ['versionHeaderName'], message: `Only with the header scheme, not ${scheme}` });
  if (scheme === 'query' && queryName === null)
    issues.push({ path: ['versionQueryName'], message: 'Required with the query scheme' });
  if (scheme !== 'query' && queryName !== null)
    issues.push({ path: ['versionQueryName'], message: `Only with the query scheme, not ${scheme}` });
  return issues;
}

export function schemeError(issues: SchemeIssue[]): PorticoError {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) (fields[issue.path[0]] ??= []).push(issue.message);
  return new PorticoError('CP_ERR_VALIDATION', { message: `${issues[0]!.path[0]}: ${issues[0]!.message}`, fields });
}

export const versionSetSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string(),
  versioningScheme: z.enum(VERSIONING_SCHEMES),
  versionHeaderName: z.string().nullable(),
  versionQueryName: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function versionSetSettings(row: VersionSetRow) {
  return {
    name: row.name,
    description: row.description,
    versioningScheme: row.versioningScheme,
    versionHeaderName: row.versionHeaderName,
    versionQueryName: row.versionQueryName,
  };
}

export function versionSetOut(row: VersionSetRow): z.infer<typeof versionSetSchema> {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    ...versionSetSettings(row),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A version set of this workspace; another workspace's or tenant's id is NOT_FOUND. */
export async function findVersionSet(
  db: Db,
  tenantId: string,
  workspaceId: string,
  versionSetId: string,
): Promise<VersionSetRow> {
  const [row] = await db
    .select()
    .from(apiVersionSets)
    .where(
      and(
        eq(apiVersionSets.id, versionSetId),
        eq(apiVersionSets.tenantId, tenantId),
        eq(apiVersionSets.workspaceId, workspaceId),
      ),
    );
  if (!row) throw notFound('Version set');
  return row;
}

export const nameTaken = (name: string) =>
  new PorticoError('CP_ERR_CONFLICT', {
    message: `A version set named "${name}" exists in this workspace`,
    fields: { name: ['Already used in this workspace'] },
  });

/** Names are unique per workspace (the unique index backs this up under races). */
export async function assertNameFree(db: Db, tenantId: string, workspaceId: string, name: string, exceptId?: string) {
  const [taken] = await db
    .select({ id: apiVersionSets.id })
    .from(apiVersionSets)
    .where(
      and(
        eq(apiVersionSets.tenantId, tenantId),
        eq(apiVersionSets.workspaceId, workspaceId),
        eq(apiVersionSets.name, name),
        exceptId ? ne(apiVersionSets.id, exceptId) : undefined,
      ),
    );
  if (taken) throw nameTaken(name);
}
