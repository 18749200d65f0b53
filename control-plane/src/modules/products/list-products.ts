import { and, eq, ilike } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { PRODUCT_STATES, products } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { workspaceProcedure } from '../../trpc/procedures.js';
import { groupIdsByProduct, productOut, productSchema } from './product-out.js';

export const listProducts = workspaceProcedure
  .meta({
    permission: { scope: 'workspace', object: 'product', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/workspaces/{workspaceId}/products',
      tags: ['products'],
      summary: 'Products of a workspace',
    },
  })
  .input(
    z.strictObject({
      workspaceId: entityId('ws', 'workspace'),
      ...paginationInput,
      state: z.enum(PRODUCT_STATES).optional(),
      search: z.string().max(100).optional().meta({ description: 'Matches the name, case-insensitive' }),
    }),
  )
  .output(page(productSchema))
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { where, orderBy } = keyset(products.createdAt, products.id, input.cursor, 'asc');
    const pattern = input.search ? `%${input.search.replace(/[\\%_]/g, '\\$&')}%` : undefined;
    const rows = await db
      .select()
      .from(products)
      .where(
        and(
          eq(products.tenantId, ctx.actor.tenantId),
          eq(products.workspaceId, ctx.workspace.id),
          input.state ? eq(products.state, input.state) : undefined,
          pattern ? ilike(products.name, pattern) : undefined,
          where,
        ),
      )
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    const groupIds = await groupIdsByProduct(
      db,
      ctx.actor.tenantId,
      rows.slice(0, input.limit).map((row) => row.id),
    );
    return toPage(rows, input.limit, (row) => productOut(row, groupIds.get(row.id) ?? []));
  });
