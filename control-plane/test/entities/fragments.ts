import type { EntityIds } from '../entities.js';
import type { TestClient } from '../harness.js';

/** The policyFragments procedures as the client may call them. */
export async function fragmentsOf(client: TestClient) {
  return (await client.caller()).policyFragments;
}

/** A policy fragment nothing includes (so the generated suites may update and delete it). */
export async function fragmentEntities(client: TestClient, workspaceId: string, _existing: EntityIds = {}): Promise<EntityIds> {
  const name = `fixture-${Math.random().toString(36).slice(2, 8)}`;
  const fragment = await (
    await fragmentsOf(client)
  ).create({
    workspaceId,
    name,
    description: 'Fixture fragment',
    source: '- set-header: { name: x-fixture-fragment, value: ["applied"] }\n',
  });
  return { frag: fragment.id };
}
