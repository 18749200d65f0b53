import type { Db } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import type { Context } from '../../trpc/context.js';

export interface AuditEntry {
  tenantId: string;
  workspaceId?: string | null;
  action: string;
  targetType: string;
  targetId: string;
  diff?: Record<string, [unknown, unknown]>;
  /** Overrides the caller (sign-up and invitation acceptance act for a user not yet signed in). */
  actorId?: string;
}

/** Writes the audit row; call it inside the mutation's transaction. */
export async function recordAudit(tx: Db, ctx: Context, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    id: newId('aud'),
    tenantId: entry.tenantId,
    workspaceId: entry.workspaceId ?? null,
    actorId: entry.actorId ?? ctx.actor?.userId ?? null,
    actorVia: ctx.actor ? `${ctx.actor.via}:${ctx.actor.credentialId}` : entry.actorId ? 'self' : 'system',
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    diff: entry.diff ?? {},
    ip: ctx.req.ip,
    requestId: ctx.req.requestId,
  });
}

/** `{ field: [before, after] }` for the fields that changed. */
export function diffOf<T extends Record<string, unknown>>(
  before: Partial<T>,
  after: Partial<T>,
): Record<string, [unknown, unknown]> {
  const diff: Record<string, [unknown, unknown]> = {};
  for (const key of Object.keys(after)) {
    const a = before[key];
    const b = after[key];
    if (b !== undefined && JSON.stringify(a) !== JSON.stringify(b)) diff[key] = [a ?? null, b];
  }
  return diff;
}

/** For creations: every field as `[null, value]`. */
export function createdDiff(values: Record<string, unknown>): Record<string, [unknown, unknown]> {
  return diffOf({}, values);
}
