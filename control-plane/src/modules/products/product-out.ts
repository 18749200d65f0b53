import { and, eq, inArray, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { PRODUCT_STATES, productGroups, products } from '../../db/schema/index.js';
import { PorticoError, invalidField, notFound } from '../../errors.js';
import { nameInput } from '../../lib/validation.js';

export type ProductRow = typeof products.$inferSelect;

export const productFields = {
  name: nameInput('name').meta({ example: 'Starter' }),
  description: z.string().max(10_000),
  subscriptionRequired: z
    .boolean()
    .meta({ description: 'false = open: callers need no key (and approval and limits do not apply)' }),
  approvalRequired: z.boolean().meta({ description: 'Subscriptions wait in "submitted" until an administrator approves them' }),
  subscriptionsLimit: z
    .number()
    .int()
    .positive({ error: 'Use a positive number, or null for no limit' })
    .max(1_000_000)
    .nullable()
    .meta({ description: 'Most live subscriptions one user may hold to the product; null = no limit' }),
  terms: z.string().max(50_000).meta({ description: 'Developers must accept them to subscribe; "" = none' }),
};

export const productSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string(),
  state: z.enum(PRODUCT_STATES),
  subscriptionRequired: z.boolean(),
  approvalRequired: z.boolean(),
  subscriptionsLimit: z.number().nullable(),
  terms: z.string(),
  groupIds: z.array(z.string()).meta({ description: 'Groups that see the product in the developer portal' }),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function productOut(row: ProductRow, groupIds: string[]): z.infer<typeof productSchema> {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    description: row.description,
    state: row.state,
    subscriptionRequired: row.subscriptionRequired,
    approvalRequired: row.approvalRequired,
    subscriptionsLimit: row.subscriptionsLimit,
    terms: row.terms,
    groupIds,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The visible groups of several products in one query, for lists. */
export async function groupIdsByProduct(db: Db, tenantId: string, productIds: string[]): Promise<Map<string, string[]>> {
  const byProduct = new Map<string, string[]>(productIds.map((id) => [id, []]));
  if (productIds.length === 0) return byProduct;
  const rows = await db
    .select({ productId: productGroups.productId, groupId: productGroups.groupId })
    .from(productGroups)
    .where(and(eq(productGroups.tenantId, tenantId), inArray(productGroups.productId, productIds)));
  for (const row of rows) byProduct.get(row.productId)?.push(row.groupId);
  // Sorted here, not by the database's collation, so lists compare equal to sorted input.
  for (const ids of byProduct.values()) ids.sort();
  return byProduct;
}

export async function productWithGroups(db: Db, row: ProductRow) {
  const groupIds = await groupIdsByProduct(db, row.tenantId, [row.id]);
  return productOut(row, groupIds.get(row.id) ?? []);
}

export async function findProduct(db: Db, tenantId: string, workspaceId: string, productId: string): Promise<ProductRow> {
  const [row] = await db
    .select()
    .from(products)
    .where(and(eq(products.id, productId), eq(products.tenantId, tenantId), eq(products.workspaceId, workspaceId)));
  if (!row) throw notFound('Product');
  return row;
}

export const nameTaken = (name: string) =>
  new PorticoError('CP_ERR_CONFLICT', {
    message: `A product named "${name}" exists in this workspace`,
    fields: { name: ['Already used in this workspace'] },
  });

/** Product names are unique per workspace (the unique index backs this up under races). */
export async function assertNameFree(db: Db, tenantId: string, workspaceId: string, name: string, exceptId?: string) {
  const [taken] = await db
    .select({ id: products.id })
    .from(products)
    .where(
      and(
        eq(products.tenantId, tenantId),
        eq(products.workspaceId, workspaceId),
        eq(products.name, name),
        exceptId ? ne(products.id, exceptId) : undefined,
      ),
    );
  if (taken) throw nameTaken(name);
}

/** What `products_approval_check` enforces, said as a field error before the database says it. */
export function assertApprovalConsistent(settings: { subscriptionRequired: boolean; approvalRequired: boolean }): void {
  if (settings.approvalRequired && !settings.subscriptionRequired) {
    throw invalidField('approvalRequired', 'Only for products that require a subscription (an open product has none to approve)');
  }
}
