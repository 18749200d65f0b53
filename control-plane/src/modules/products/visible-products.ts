import { and, asc, eq, exists, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { apis, productApis, productGroups, products } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { groupIdsOf } from '../groups/group-membership.js';
import type { ProductRow } from './product-out.js';

/**
 * What the developer portal shows a user: published products of the tenant, in any workspace,
 * visible to at least one of the user's groups (implicit ones included, see group-membership.ts).
 */
export async function visibleProductsFor(db: Db, tenantId: string, userId: string): Promise<SQL> {
  const groupIds = await groupIdsOf(db, tenantId, userId);
  if (groupIds.length === 0) return sql`false`;
  const seenByGroup = db
    .select({ one: sql`1` })
    .from(productGroups)
    .where(and(eq(productGroups.productId, products.id), inArray(productGroups.groupId, groupIds)));
  return and(eq(products.tenantId, tenantId), eq(products.state, 'published'), exists(seenByGroup))!;
}

/** A product the user may see and subscribe to; anything else (unpublished, hidden, foreign) is NOT_FOUND. */
export async function findVisibleProduct(db: Db, tenantId: string, userId: string, productId: string): Promise<ProductRow> {
  const [row] = await db
    .select()
    .from(products)
    .where(and(eq(products.id, productId), await visibleProductsFor(db, tenantId, userId)));
  if (!row) throw notFound('Product');
  return row;
}

/** A product as developers see it: no visibility or state, with its APIs. */
export const portalProductSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  subscriptionRequired: z.boolean(),
  approvalRequired: z.boolean(),
  subscriptionsLimit: z.number().nullable(),
  terms: z.string().meta({ description: 'To accept when subscribing (acceptTerms); "" = none' }),
  apis: z.array(z.object({ id: z.string(), name: z.string(), description: z.string(), path: z.string() })),
});

export async function portalProductsOut(
  db: Db,
  tenantId: string,
  rows: ProductRow[],
): Promise<z.infer<typeof portalProductSchema>[]> {
  const apisByProduct = new Map<string, z.infer<typeof portalProductSchema>['apis']>(rows.map((row) => [row.id, []]));
  if (rows.length > 0) {
    const links = await db
      .select({ productId: productApis.productId, id: apis.id, name: apis.name, description: apis.description, path: apis.path })
      .from(productApis)
      .innerJoin(apis, eq(apis.id, productApis.apiId))
      .where(and(eq(productApis.tenantId, tenantId), inArray(productApis.productId, [...apisByProduct.keys()])))
      .orderBy(asc(productApis.createdAt), asc(productApis.id));
    for (const { productId, ...api } of links) apisByProduct.get(productId)?.push(api);
  }
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    subscriptionRequired: row.subscriptionRequired,
    approvalRequired: row.approvalRequired,
    subscriptionsLimit: row.subscriptionsLimit,
    terms: row.terms,
    apis: apisByProduct.get(row.id) ?? [],
  }));
}
