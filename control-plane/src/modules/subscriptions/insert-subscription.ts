import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { products, subscriptions, type SubscriptionScopeKind, type SubscriptionState } from '../../db/schema/index.js';
import { PorticoError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import type { Context } from '../../trpc/context.js';
import { createdDiff, recordAudit } from '../audit/record-audit.js';
import { recordConfigChange } from '../config/record-config-change.js';
import type { ProductRow } from '../products/product-out.js';
import { newSubscriptionKey } from './subscription-keys.js';
import { subscriptionOut } from './subscription-out.js';
import { LIVE_STATES } from './subscription-states.js';

/** Subscribing makes sense only where a key is asked for. */
export function assertSubscribable(product: ProductRow): void {
  if (!product.subscriptionRequired) {
    throw new PorticoError('CP_ERR_CONFLICT', {
      message: `The product "${product.name}" is open: its APIs need no subscription key`,
    });
  }
}

/**
 * The product's per-user limit, counting live (submitted, active, suspended) subscriptions.
 * Locks the product row first and reads the limit under the lock, so concurrent subscriptions
 * of one product are counted in turn against the current limit.
 */
export async function assertUnderLimit(tx: Db, product: ProductRow, ownerId: string): Promise<void> {
  const [locked] = await tx
    .select({ subscriptionsLimit: products.subscriptionsLimit })
    .from(products)
    .where(eq(products.id, product.id))
    .for('update');
  const limit = locked?.subscriptionsLimit ?? null;
  if (limit === null) return;
  const held = await tx.$count(
    subscriptions,
    and(
      eq(subscriptions.tenantId, product.tenantId),
      eq(subscriptions.ownerId, ownerId),
      eq(subscriptions.scopeKind, 'product'),
      eq(subscriptions.scopeId, product.id),
      inArray(subscriptions.state, LIVE_STATES),
    ),
  );
  if (held >= limit) {
    throw new PorticoError('CP_ERR_CONFLICT', {
      message: `The product "${product.name}" allows ${limit} subscription(s) per user, and ${held} are held already`,
    });
  }
}

export interface NewSubscription {
  tenantId: string;
  workspaceId: string;
  ownerId: string;
  scopeKind: SubscriptionScopeKind;
  scopeId: string | null;
  name: string;
  state: Extract<SubscriptionState, 'submitted' | 'active'>;
  expiresAt: Date | null;
}

/** Inserts a subscription with two fresh keys; returns them with it, the only time they are shown. */
export async function insertSubscription(tx: Db, ctx: Context, values: NewSubscription) {
  const primary = newSubscriptionKey();
  const secondary = newSubscriptionKey();
  const now = new Date();
  const [row] = await tx
    .insert(subscriptions)
    .values({
      id: newId('sub'),
      tenantId: values.tenantId,
      workspaceId: values.workspaceId,
      ownerId: values.ownerId,
      scopeKind: values.scopeKind,
      scopeId: values.scopeId,
      displayName: values.name,
      state: values.state,
      primaryKeyHash: primary.hash,
      secondaryKeyHash: secondary.hash,
      primaryKeyPrefix: primary.prefix,
      secondaryKeyPrefix: secondary.prefix,
      expiresAt: values.expiresAt,
      stateChangedAt: now,
      activatedAt: values.state === 'active' ? now : null,
    })
    .returning();
  const subscription = row!;
  await recordConfigChange(tx, values.tenantId, [{ entityType: 'subscription', entityId: subscription.id, op: 'upsert' }]);
  await recordAudit(tx, ctx, {
    tenantId: values.tenantId,
    workspaceId: values.workspaceId,
    action: 'subscription.create',
    targetType: 'subscription',
    targetId: subscription.id,
    // Never the keys: they are shown once, to the caller, and stored only as hashes.
    diff: createdDiff({
      ownerId: values.ownerId,
      scope: values.scopeKind,
      scopeId: values.scopeId,
      name: values.name,
      state: values.state,
      expiresAt: values.expiresAt?.toISOString() ?? null,
    }),
  });
  return { ...subscriptionOut(subscription), primaryKey: primary.key, secondaryKey: secondary.key };
}
