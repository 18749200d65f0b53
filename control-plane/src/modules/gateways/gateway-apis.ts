import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { API_TYPES, apis, type gatewayApis } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';

/**
 * The id of an assignment row, which is also its `gateway_api` config change's entity id. It
 * names both ends, so the compiler still knows what an unassignment removed after the row is gone.
 */
export const gatewayApiKey = (gatewayId: string, apiId: string) => `${gatewayId}:${apiId}`;

export const assignedApiSchema = z.object({
  gatewayId: z.string(),
  apiId: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  path: z.string(),
  apiVersion: z.string(),
  type: z.enum(API_TYPES),
  assignedAt: z.string(),
});
export type AssignedApi = z.infer<typeof assignedApiSchema>;

type ApiSummary = Pick<typeof apis.$inferSelect, 'id' | 'workspaceId' | 'name' | 'path' | 'apiVersion' | 'type'>;

export const apiSummaryColumns = {
  id: apis.id,
  workspaceId: apis.workspaceId,
  name: apis.name,
  path: apis.path,
  apiVersion: apis.apiVersion,
  type: apis.type,
};

export function assignedApiOut(
  link: Pick<typeof gatewayApis.$inferSelect, 'gatewayId' | 'createdAt'>,
  api: ApiSummary,
): AssignedApi {
  return {
    gatewayId: link.gatewayId,
    apiId: api.id,
    workspaceId: api.workspaceId,
    name: api.name,
    path: api.path,
    apiVersion: api.apiVersion,
    type: api.type,
    assignedAt: link.createdAt.toISOString(),
  };
}

/** Any API of the caller's tenant, whatever its workspace: gateways are tenant-wide. */
export async function findTenantApi(db: Db, tenantId: string, apiId: string): Promise<ApiSummary> {
  const [row] = await db
    .select(apiSummaryColumns)
    .from(apis)
    .where(and(eq(apis.id, apiId), eq(apis.tenantId, tenantId)));
  if (!row) throw notFound('API');
  return row;
}
