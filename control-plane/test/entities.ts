import type { TestClient } from './harness.js';
import { apiEntities } from './entities/apis.js';
import { backendEntities } from './entities/backends.js';
import { fragmentEntities } from './entities/fragments.js';
import { gatewayEntities } from './entities/gateways.js';
import { policyEntities } from './entities/policies.js';
import { productEntities } from './entities/products.js';
import { versionEntities } from './entities/versions.js';

/** Entity ids keyed by their id prefix (`be`, `api`, `gw`…), as the generated suites look them up. */
export type EntityIds = Record<string, string>;

/**
 * One of each catalog entity in a workspace, made by a caller allowed to make them. The
 * generated isolation and role-matrix suites call every procedure with these ids, so a new
 * entity type needs one function here — not one line per procedure.
 */
export async function createCatalogEntities(client: TestClient, workspaceId: string): Promise<EntityIds> {
  const backends = await backendEntities(client, workspaceId);
  const apis = await apiEntities(client, workspaceId, backends);
  const gateways = await gatewayEntities(client, workspaceId, { ...backends, ...apis });
  const products = await productEntities(client, workspaceId, { ...backends, ...apis });
  const policies = await policyEntities(client, workspaceId, { ...apis });
  const fragments = await fragmentEntities(client, workspaceId, { ...apis });
  // After the policies: the revision then holds the fixture API's policy document too.
  const versions = await versionEntities(client, workspaceId, { ...apis });
  return { ...backends, ...apis, ...gateways, ...products, ...policies, ...versions, ...fragments };
}
