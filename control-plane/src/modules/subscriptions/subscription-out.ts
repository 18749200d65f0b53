import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { SUBSCRIPTION_SCOPE_KINDS, SUBSCRIPTION_STATES, subscriptions } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { idPattern, type IdPrefix } from '../../lib/ids.js';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Never a key: only the first characters of each, to tell keys apart. */
export const subscriptionSchema = z.object({
  id: z.string(),
  workspaceId: z.string().nullable(),
  ownerId: z.string().nullable(),
  scope: z.enum(SUBSCRIPTION_SCOPE_KINDS),
  scopeId: z.string().nullable().meta({ description: 'The product or API id; null for all APIs' }),
  name: z.string(),
  state: z.enum(SUBSCRIPTION_STATES),
  stateComment: z.string().nullable().meta({ description: 'The reason given with the last state change' }),
  primaryKeyPrefix: z.string(),
  secondaryKeyPrefix: z.string(),
  expiresAt: z.string().nullable(),
  stateChangedAt: z.string(),
  activatedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function subscriptionOut(row: SubscriptionRow): z.infer<typeof subscriptionSchema> {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    ownerId: row.ownerId,
    scope: row.scopeKind,
    scopeId: row.scopeId,
    name: row.displayName,
    state: row.state,
    stateComment: row.stateComment,
    primaryKeyPrefix: row.primaryKeyPrefix,
    secondaryKeyPrefix: row.secondaryKeyPrefix,
    expiresAt: iso(row.expiresAt),
    stateChangedAt: row.stateChangedAt.toISOString(),
    activatedAt: iso(row.activatedAt),
    endedAt: iso(row.endedAt),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const keyField = (which: string) => z.string().meta({ description: `The ${which} key. Shown only now: only its hash is kept.` });

/** What creation returns: the only time both keys are shown. */
export const subscriptionWithKeysSchema = subscriptionSchema.extend({
  primaryKey: keyField('primary'),
  secondaryKey: keyField('secondary'),
});

/** What regeneration returns: the only time the new key is shown. */
export const regeneratedKeySchema = subscriptionSchema.extend({
  regenerated: z.enum(['primary', 'secondary']),
  key: keyField('new'),
});

/** A subscription of the workspace (admin side). */
export async function findSubscription(db: Db, tenantId: string, workspaceId: string, subscriptionId: string) {
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(
      and(eq(subscriptions.id, subscriptionId), eq(subscriptions.tenantId, tenantId), eq(subscriptions.workspaceId, workspaceId)),
    );
  if (!row) throw notFound('Subscription');
  return row;
}

/** One of the caller's own subscriptions (developer side); anybody else's is NOT_FOUND. */
export async function findOwnSubscription(db: Db, tenantId: string, ownerId: string, subscriptionId: string) {
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.id, subscriptionId), eq(subscriptions.tenantId, tenantId), eq(subscriptions.ownerId, ownerId)));
  if (!row) throw notFound('Subscription');
  return row;
}

/**
 * An id used only to filter a list of a workspace. Unlike `entityId` it carries no `idPrefix`
 * metadata, which the generated isolation suite uses to call optional id filters on their own —
 * without the `workspaceId` a workspace procedure needs. subscriptions.test.ts proves instead
 * that another tenant's id filters to an empty page.
 */
export const filterId = (prefix: IdPrefix, what: string) =>
  z
    .string()
    .regex(idPattern(prefix), { error: `Expected a ${what} id (${prefix}_ followed by 20 characters)` })
    .meta({ description: `Only subscriptions of this ${what}` });
