import { z } from 'zod';
import { TENANT_ROLES, WORKSPACE_ROLES, PLANS } from '../db/schema/index.js';

/** Output shapes shared by several routers. Dates go out as ISO strings. */
export const userOut = z.object({ id: z.string(), email: z.string(), name: z.string() });

export const tenantOut = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  plan: z.enum(PLANS),
  version: z.number(),
  createdAt: z.string(),
});

export const workspaceOut = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  isDefault: z.boolean(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const tenantRole = z.enum(TENANT_ROLES);
export const workspaceRole = z.enum(WORKSPACE_ROLES);

export const okOut = z.object({ ok: z.literal(true) });

export function toWorkspaceOut(row: {
  id: string;
  name: string;
  slug: string;
  description: string;
  isDefault: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}): z.infer<typeof workspaceOut> {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    isDefault: row.isDefault,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toTenantOut(row: {
  id: string;
  name: string;
  slug: string;
  plan: (typeof PLANS)[number];
  version: number;
  createdAt: Date;
}) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    plan: row.plan,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
  };
}
