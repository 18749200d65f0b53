import type { EntityIds } from '../entities.js';
import type { TestClient } from '../harness.js';

/** A named value, and an API policy that uses it. */
export async function policyEntities(client: TestClient, workspaceId: string, existing: EntityIds = {}): Promise<EntityIds> {
  const name = `fixture-${Math.random().toString(36).slice(2, 8)}`;
  const nv = await client.call((c) => c.namedValues.create({ workspaceId, name, value: 'v' }));
  if (existing.api) {
    await client.call((c) =>
      c.policies.api.set({
        workspaceId,
        apiId: existing.api!,
        source: `inbound:\n  - base: {}\n  - set-header: { name: x-fixture, value: ["{{${name}}}"] }\n`,
      }),
    );
  }
  return { nv: nv.id };
}
