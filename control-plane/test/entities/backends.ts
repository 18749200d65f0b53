import type { EntityIds } from '../entities.js';
import type { TestClient } from '../harness.js';

/** A pool backend with a sealed header, so the generated suites read and write one with secrets. */
export async function backendEntities(client: TestClient, workspaceId: string, _existing: EntityIds = {}): Promise<EntityIds> {
  const backend = await client.call((c) =>
    c.backends.create({
      workspaceId,
      name: `Fixture backend ${Math.random().toString(36).slice(2, 8)}`,
      pool: [{ url: 'https://one.backend.example' }, { url: 'https://two.backend.example' }],
      credentials: { headers: [{ name: 'X-Api-Key', value: 'fixture-backend-secret' }] },
    }),
  );
  return { be: backend.id };
}
