import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { keyset } from '../../db/paginate.js';
import { INSTANCE_HEALTH, gatewayInstances } from '../../db/schema/index.js';
import { entityId, page, paginationInput, toPage } from '../../lib/validation.js';
import { tenantProcedure } from '../../trpc/procedures.js';
import { findGateway } from './gateway-out.js';
import { INSTANCE_STATUSES, INSTANCE_STATUS_DESCRIPTION, instanceStatus } from './instance-status.js';

export const instanceSchema = z.object({
  id: z.string(),
  gatewayId: z.string(),
  instanceKey: z.string().meta({ description: 'The id the agent reports in its heartbeats' }),
  hostname: z.string(),
  agentVersion: z.string(),
  status: z.enum(INSTANCE_STATUSES).meta({ description: INSTANCE_STATUS_DESCRIPTION }),
  health: z.enum(INSTANCE_HEALTH).meta({
    description:
      'As the agent reports it: healthy (serving the config it got), serving-from-backup (from its on-disk copy, control plane unreachable), starting, draining, unknown',
  }),
  appliedRevision: z.number().nullable().meta({ description: 'The config revision it runs' }),
  configHash: z
    .string()
    .nullable()
    .meta({ description: "Content hash of the config it runs; compare with the gateway's publishedHash" }),
  nackRevision: z
    .number()
    .nullable()
    .meta({ description: 'The last revision it could not apply (cleared once it applies that one or a later one)' }),
  nackReason: z.string().nullable().meta({ description: 'Why it could not apply nackRevision' }),
  counters: z.record(z.string(), z.number()),
  createdAt: z.string(),
  lastHeartbeatAt: z.string(),
});

/** The instances that reported for this gateway, with their status derived now against its published config. */
export const listGatewayInstances = tenantProcedure
  .meta({
    permission: { scope: 'tenant', object: 'gateway', action: 'read' },
    openapi: {
      method: 'GET',
      path: '/gateways/{gatewayId}/instances',
      tags: ['gateways'],
      summary: "A gateway's running instances: in sync, behind, failed or gone",
    },
  })
  .input(z.strictObject({ gatewayId: entityId('gw', 'gateway'), ...paginationInput }))
  .output(page(instanceSchema))
  .query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const { tenantId } = ctx.actor;
    const gateway = await findGateway(db, tenantId, input.gatewayId);
    const { where, orderBy } = keyset(gatewayInstances.createdAt, gatewayInstances.id, input.cursor, 'asc');
    const rows = await db
      .select()
      .from(gatewayInstances)
      .where(and(eq(gatewayInstances.tenantId, tenantId), eq(gatewayInstances.gatewayId, gateway.id), where))
      .orderBy(...orderBy)
      .limit(input.limit + 1);
    // One clock for the whole page, so two instances with the same heartbeat agree.
    const now = new Date();
    return toPage(rows, input.limit, (row) => ({
      id: row.id,
      gatewayId: row.gatewayId,
      instanceKey: row.instanceKey,
      hostname: row.hostname,
      agentVersion: row.agentVersion,
      status: instanceStatus(row.lastHeartbeatAt, now, { instance: row, publishedHash: gateway.publishedHash }),
      health: row.health,
      appliedRevision: row.appliedRevision,
      configHash: row.configHash,
      nackRevision: row.nackRevision,
      nackReason: row.nackReason,
      counters: row.counters,
      createdAt: row.createdAt.toISOString(),
      lastHeartbeatAt: row.lastHeartbeatAt.toISOString(),
    }));
  });
