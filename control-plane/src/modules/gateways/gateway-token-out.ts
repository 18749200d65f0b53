import { z } from 'zod';
import type { gatewayTokens } from '../../db/schema/index.js';

export const gatewayTokenSchema = z.object({
  id: z.string(),
  gatewayId: z.string(),
  name: z.string(),
  prefix: z.string().meta({ description: 'First characters of the token, to tell tokens apart' }),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function gatewayTokenOut(row: typeof gatewayTokens.$inferSelect): z.infer<typeof gatewayTokenSchema> {
  return {
    id: row.id,
    gatewayId: row.gatewayId,
    name: row.name,
    prefix: row.prefix,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}
