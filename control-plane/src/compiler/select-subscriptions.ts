import { create } from '@bufbuild/protobuf';
import { SubscriptionSchema, SubscriptionScope, SubscriptionState, type Subscription } from '@portico/proto';
import type { subscriptions } from '../db/schema/index.js';

type SubscriptionRow = typeof subscriptions.$inferSelect;

const STATES: Partial<Record<SubscriptionRow['state'], SubscriptionState>> = {
  active: SubscriptionState.ACTIVE,
  suspended: SubscriptionState.SUSPENDED,
  submitted: SubscriptionState.SUBMITTED,
};

const SCOPES: Record<SubscriptionRow['scopeKind'], SubscriptionScope> = {
  product: SubscriptionScope.PRODUCT,
  api: SubscriptionScope.API,
  all_apis: SubscriptionScope.ALL_APIS,
};

export interface ViewScope {
  apiIds: Set<string>;
  productIds: Set<string>;
  /** Workspaces of the view's APIs. */
  workspaceIds: Set<string>;
}

/**
 * The subscriptions that open something this gateway serves. Suspended and submitted ones are
 * kept so the gateway can answer "suspended" / "not yet approved" rather than "unknown key".
 */
export function selectSubscriptions(rows: SubscriptionRow[], scope: ViewScope): Subscription[] {
  return rows.filter((row) => STATES[row.state] !== undefined && grantsAccess(row, scope)).map(toSubscription);
}

function grantsAccess(row: SubscriptionRow, scope: ViewScope): boolean {
  switch (row.scopeKind) {
    case 'product':
      return scope.productIds.has(row.scopeId ?? '');
    case 'api':
      return scope.apiIds.has(row.scopeId ?? '');
    case 'all_apis':
      // No workspace: every API of the tenant.
      return row.workspaceId === null ? scope.apiIds.size > 0 : scope.workspaceIds.has(row.workspaceId);
  }
}

function toSubscription(row: SubscriptionRow): Subscription {
  return create(SubscriptionSchema, {
    id: row.id,
    primaryKeySha256: hexBytes(row.primaryKeyHash),
    secondaryKeySha256: hexBytes(row.secondaryKeyHash),
    state: STATES[row.state],
    scope: SCOPES[row.scopeKind],
    scopeId: row.scopeKind === 'all_apis' ? (row.workspaceId ?? '') : (row.scopeId ?? ''),
    ownerId: row.ownerId ?? '',
    name: row.displayName,
    expiresAtMs: BigInt(row.expiresAt?.getTime() ?? 0),
  });
}

/** A plain Uint8Array, as protobuf-es makes when decoding: a Buffer would compare unequal to it. */
function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
