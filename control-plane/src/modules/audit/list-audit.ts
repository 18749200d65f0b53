import { and, eq, gte, lt } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { auditLog } from '../../db/schema/index.js';
import { entityId, isoDate, page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';

export const auditEntrySchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  actorId: z.string().nullable(),
  actorVia: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  workspaceId: z.string().nullable(),
  diff: z.record(z.string(), z.tuple([z.unknown(), z.unknown()])),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
});

export const listAudit = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'audit', action: 'read' },
    openapi: { method: 'GET', path: '/audit-log', tags: ['audit'], summary: 'Audit log, newest first, with filters' },
  })
  .input(
    z.strictObject({
      ...paginationInput,
      action: z.string().max(100).optional().meta({ description: 'Exact action, e.g. workspace.create' }),
      actorId: entityId('usr', 'user').optional(),
      targetId: z.string().max(100).optional(),
      workspaceId: entityId('ws', 'workspace').optional(),
      from: isoDate.optional().meta({ description: 'Inclusive lower bound on time' }),
      to: isoDate.optional().meta({ description: 'Exclusive upper bound on time' }),
    }),
  )
  .output(page(auditEntrySchema))
  .query(async ({ ctx, input }) => {
    const { where, orderBy } = keyset(auditLog.createdAt, auditLog.id, input.cursor, 'desc');
    const rows = await ctx.deps.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.tenantId, ctx.actor.tenantId),
          input.action ? eq(auditLog.action, input.action) : undefined,
          input.actorId ? eq(auditLog.actorId, input.actorId) : undefined,
          input.targetId ? eq(auditLog.targetId, input.targetId) : undefined,
          input.workspaceId ? eq(auditLog.workspaceId, input.workspaceId) : undefined,
          input.from ? gte(auditLog.createdAt, new Date(input.from)) : undefined,
          input.to ? lt(auditLog.createdAt, new Date(input.to)) : undefined,
          where,
        ),
      )
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, (r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  });
