import type { EntityIds } from '../entities.js';
import type { TestClient } from '../harness.js';

/**
 * A header-scheme version set (no API in it, so deleting it succeeds), and a revision of the
 * fixture API when there is one (`existing.api`): revision 1 is then current and `arev` is
 * revision 2, a restore point that makeCurrent can switch to.
 */
export async function versionEntities(client: TestClient, workspaceId: string, existing: EntityIds = {}): Promise<EntityIds> {
  const set = await client.call((c) =>
    c.versionSets.create({
      workspaceId,
      name: `Fixture versions ${Math.random().toString(36).slice(2, 8)}`,
      versioningScheme: 'header',
      versionHeaderName: 'Api-Version',
    }),
  );
  const apiId = existing.api;
  if (!apiId) return { avs: set.id };
  const revision = await client.call((c) => c.revisions.create({ workspaceId, apiId, description: 'Fixture revision' }));
  return { avs: set.id, arev: revision.id };
}
