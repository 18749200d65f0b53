import type { EntityIds } from '../entities.js';
import type { TestClient } from '../harness.js';

/** An API (on the workspace's backend, when there is one) with one operation. */
export async function apiEntities(client: TestClient, workspaceId: string, existing: EntityIds = {}): Promise<EntityIds> {
  const path = `fixture-${Math.random().toString(36).slice(2, 10)}`;
  const api = await client.call((c) => c.apis.create({ workspaceId, name: 'Fixture API', path, backendId: existing.be ?? null }));
  const operation = await client.call((c) =>
    c.operations.create({ workspaceId, apiId: api.id, name: 'getItem', method: 'GET', urlTemplate: '/items/{itemId}' }),
  );
  return { api: api.id, op: operation.id };
}
