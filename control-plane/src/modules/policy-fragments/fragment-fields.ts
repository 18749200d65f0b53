import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { POLICY_FORMATS, policyFragments } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { entityId } from '../../lib/validation.js';

/** The `fragment-id` an include-fragment statement names, as the gateway's schema accepts it. */
export const fragmentNameInput = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/, {
    error: 'Use letters, digits, "_" and "-" (at most 80, starting with a letter or digit)',
  })
  .meta({ example: 'correlation-id', description: 'The fragment-id that include-fragment statements name' });

export const fragmentDescriptionInput = z.string().max(2000);

export const fragmentSourceInput = {
  format: z.enum(POLICY_FORMATS).default('yaml').meta({ example: 'yaml' }),
  source: z
    .string()
    .min(1)
    .max(1024 * 1024)
    .meta({
      description: 'A list of policy statements as JSON or YAML',
      example: '- set-header:\n    name: x-correlation-id\n    value: ["@(request.headers[\'x-request-id\'])"]\n',
    }),
};

export const fragmentIdInput = entityId('frag', 'policy fragment');

export const policyFragmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  format: z.enum(POLICY_FORMATS),
  source: z.string(),
  statements: z.array(z.record(z.string(), z.unknown())),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type PolicyFragmentRow = typeof policyFragments.$inferSelect;

export function policyFragmentOut(row: PolicyFragmentRow): z.infer<typeof policyFragmentSchema> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    format: row.format,
    source: row.source,
    statements: row.statements,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findPolicyFragment(tx: Db, tenantId: string, workspaceId: string, fragmentId: string) {
  const [row] = await tx
    .select()
    .from(policyFragments)
    .where(
      and(
        eq(policyFragments.id, fragmentId),
        eq(policyFragments.tenantId, tenantId),
        eq(policyFragments.workspaceId, workspaceId),
      ),
    );
  if (!row) throw notFound('Policy fragment');
  return row;
}
