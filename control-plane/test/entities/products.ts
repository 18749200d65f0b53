import type { EntityIds } from '../entities.js';
import type { TestClient } from '../harness.js';

export async function productEntities(_client: TestClient, _workspaceId: string, _existing: EntityIds = {}): Promise<EntityIds> {
  return Promise.resolve({});
}
