import { router } from '../../trpc/procedures.js';
import { approveSubscription } from './approve-subscription.js';
import { cancelMySubscription } from './cancel-my-subscription.js';
import { cancelSubscription } from './cancel-subscription.js';
import { createSubscription } from './create-subscription.js';
import { expireSubscription } from './expire-subscription.js';
import { getSubscription } from './get-subscription.js';
import { listMySubscriptions } from './list-my-subscriptions.js';
import { listPortalProducts } from './list-portal-products.js';
import { listSubscriptions } from './list-subscriptions.js';
import { reactivateSubscription } from './reactivate-subscription.js';
import { regenerateMyKey } from './regenerate-my-key.js';
import { regeneratePrimaryKey } from './regenerate-primary-key.js';
import { regenerateSecondaryKey } from './regenerate-secondary-key.js';
import { rejectSubscription } from './reject-subscription.js';
import { subscribe } from './subscribe.js';
import { suspendSubscription } from './suspend-subscription.js';

export const subscriptionsRouter = router({
  // Administrators, per workspace.
  list: listSubscriptions,
  get: getSubscription,
  create: createSubscription,
  approve: approveSubscription,
  reject: rejectSubscription,
  suspend: suspendSubscription,
  reactivate: reactivateSubscription,
  cancel: cancelSubscription,
  expire: expireSubscription,
  regeneratePrimaryKey,
  regenerateSecondaryKey,
  // Developers, their own, across the tenant.
  listProducts: listPortalProducts,
  subscribe,
  listMine: listMySubscriptions,
  cancelMine: cancelMySubscription,
  regenerateMyKey,
});
