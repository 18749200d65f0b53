import type { EntityIds } from '../entities.js';
import type { TestClient } from '../harness.js';

/**
 * A published product (holding the fixture API when there is one, `existing.api`) visible to the
 * built-in developers group and to a custom group the caller is in, and a subscription to it
 * that the caller, as an administrator, made for itself.
 */
export async function productEntities(client: TestClient, workspaceId: string, existing: EntityIds = {}): Promise<EntityIds> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const { user } = await client.call((c) => c.auth.session());
  const product = await client.call((c) => c.products.create({ workspaceId, name: `Fixture product ${suffix}` }));
  const apiId = existing.api;
  if (apiId) await client.call((c) => c.products.addApi({ workspaceId, productId: product.id, apiId }));
  const group = await client.call((c) => c.groups.create({ name: `Fixture group ${suffix}` }));
  await client.call((c) => c.groups.addMember({ groupId: group.id, userId: user.id }));
  const groups = await client.call((c) => c.groups.list({}));
  const developers = groups.items.find((g) => g.builtIn === 'developers')!;
  await client.call((c) => c.products.setGroups({ workspaceId, productId: product.id, groupIds: [developers.id, group.id] }));
  await client.call((c) => c.products.publish({ workspaceId, productId: product.id }));
  const subscription = await client.call((c) =>
    c.subscriptions.create({
      workspaceId,
      ownerId: user.id,
      scope: 'product',
      productId: product.id,
      name: 'Fixture subscription',
    }),
  );
  return { prd: product.id, grp: group.id, sub: subscription.id };
}
