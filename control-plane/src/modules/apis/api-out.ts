import { z } from 'zod';
import { API_PROTOCOLS, API_SPEC_FORMATS, API_TYPES, type apis } from '../../db/schema/index.js';

export const apiSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string(),
  path: z.string(),
  type: z.enum(API_TYPES),
  backendId: z.string().nullable(),
  subscriptionRequired: z.boolean(),
  subscriptionKeyHeaderName: z.string(),
  subscriptionKeyQueryName: z.string(),
  protocols: z.array(z.enum(API_PROTOCOLS)),
  /** Empty: any host. */
  hostnames: z.array(z.string()),
  versionSetId: z.string().nullable(),
  apiVersion: z.string(),
  sourceFormat: z.enum(API_SPEC_FORMATS).nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The source text is not part of the summary: it can be megabytes; export returns it. */
export function apiOut(row: typeof apis.$inferSelect): z.infer<typeof apiSchema> {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    description: row.description,
    path: row.path,
    type: row.type,
    backendId: row.backendId,
    subscriptionRequired: row.subscriptionRequired,
    subscriptionKeyHeaderName: row.subscriptionKeyHeaderName,
    subscriptionKeyQueryName: row.subscriptionKeyQueryName,
    protocols: row.protocols,
    hostnames: row.hostnames,
    versionSetId: row.versionSetId,
    apiVersion: row.apiVersion,
    sourceFormat: row.sourceFormat,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
