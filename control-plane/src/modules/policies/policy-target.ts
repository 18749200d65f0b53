import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { operations, products, type PolicyScope } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { findApi } from '../apis/api-fields.js';

export interface PolicyTarget {
  scope: PolicyScope;
  scopeId: string;
}

/** The product a document is attached to, in the caller's workspace. */
export async function productTarget(tx: Db, tenantId: string, workspaceId: string, productId: string): Promise<PolicyTarget> {
  const [row] = await tx
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.id, productId), eq(products.tenantId, tenantId), eq(products.workspaceId, workspaceId)));
  if (!row) throw notFound('Product');
  return { scope: 'product', scopeId: row.id };
}

export async function apiTarget(tx: Db, tenantId: string, workspaceId: string, apiId: string): Promise<PolicyTarget> {
  const api = await findApi(tx, tenantId, workspaceId, apiId);
  return { scope: 'api', scopeId: api.id };
}

export async function operationTarget(
  tx: Db,
  tenantId: string,
  workspaceId: string,
  apiId: string,
  operationId: string,
): Promise<PolicyTarget> {
  const api = await findApi(tx, tenantId, workspaceId, apiId);
  const [op] = await tx
    .select({ id: operations.id })
    .from(operations)
    .where(and(eq(operations.id, operationId), eq(operations.apiId, api.id), eq(operations.tenantId, tenantId)));
  if (!op) throw notFound('Operation');
  return { scope: 'operation', scopeId: op.id };
}

export const policyDocumentSchema = z.object({
  id: z.string(),
  scope: z.string(),
  scopeId: z.string(),
  format: z.enum(['json', 'yaml']),
  source: z.string(),
  document: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
  version: z.number(),
  updatedAt: z.string(),
});
