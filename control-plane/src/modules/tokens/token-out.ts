import { z } from 'zod';
import type { personalAccessTokens } from '../../db/schema/index.js';

export const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().meta({ description: 'First characters of the token, to tell tokens apart' }),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function tokenOut(row: typeof personalAccessTokens.$inferSelect): z.infer<typeof tokenSchema> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
  };
}
