import { and, eq, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { backends, namedValues, policyDocuments, policyFragments, workspaces } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';

/** `{{name}}` in policies: letters, digits, `.`, `_` and `-`, as in Azure. */
export const namedValueNameInput = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._-]+$/, { error: 'Use letters, digits, ".", "_" and "-"' })
  .meta({ example: 'backend-api-key' });

export const namedValueSchema = z.object({
  id: z.string(),
  name: z.string(),
  secret: z.boolean(),
  /** null for secrets: they are write-only. */
  value: z.string().nullable(),
  tags: z.array(z.string()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function namedValueOut(row: typeof namedValues.$inferSelect): z.infer<typeof namedValueSchema> {
  return {
    id: row.id,
    name: row.name,
    secret: row.secret,
    value: row.secret ? null : row.value,
    tags: row.tags,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findNamedValue(tx: Db, tenantId: string, workspaceId: string, namedValueId: string) {
  const [row] = await tx
    .select()
    .from(namedValues)
    .where(and(eq(namedValues.id, namedValueId), eq(namedValues.tenantId, tenantId), eq(namedValues.workspaceId, workspaceId)));
  if (!row) throw notFound('Named value');
  return row;
}

/** `{{name}}` references in a policy source. */
export function namedValueReferences(source: string): Set<string> {
  return new Set([...source.matchAll(/\{\{([A-Za-z0-9._-]+)\}\}/g)].map((m) => m[1]!));
}

/** Policy documents and fragments of the workspace whose source uses `{{name}}`. */
export async function referencesTo(tx: Db, tenantId: string, workspaceId: string, name: string): Promise<string[]> {
  const needle = `%{{${name.replace(/[\\%_]/g, '\\$&')}}}%`;
  // The global document draws on the default workspace's named values (see policies/global-policy-procedures.ts).
  const [workspace] = await tx.select({ isDefault: workspaces.isDefault }).from(workspaces).where(eq(workspaces.id, workspaceId));
  const inScope = workspace?.isDefault
    ? or(eq(policyDocuments.workspaceId, workspaceId), eq(policyDocuments.scope, 'global'))
    : eq(policyDocuments.workspaceId, workspaceId);
  const documents = await tx
    .select({ scope: policyDocuments.scope, scopeId: policyDocuments.scopeId })
    .from(policyDocuments)
    .where(and(eq(policyDocuments.tenantId, tenantId), inScope, sql`${policyDocuments.source} like ${needle}`));
  const fragments = await tx
    .select({ name: policyFragments.name })
    .from(policyFragments)
    .where(
      and(
        eq(policyFragments.tenantId, tenantId),
        eq(policyFragments.workspaceId, workspaceId),
        sql`${policyFragments.source} like ${needle}`,
      ),
    );
  const certificateUsers = await tx
    .select({ name: backends.name })
    .from(backends)
    .where(
      and(
        eq(backends.tenantId, tenantId),
        eq(backends.workspaceId, workspaceId),
        sql`(${backends.credentials} -> 'clientCertificate' ->> 'certificate' = ${name} or ${backends.credentials} -> 'clientCertificate' ->> 'privateKey' = ${name})`,
      ),
    );
  return [
    ...documents.map((d) => `${d.scope} policy of ${d.scopeId}`),
    ...fragments.map((f) => `fragment ${f.name}`),
    ...certificateUsers.map((b) => `backend ${b.name} (client certificate)`),
  ];
}
