import type { EntityIds } from '../entities.js';
import type { TestClient } from '../harness.js';

/** A gateway with an access token, serving the fixture API when there is one (`existing.api`). */
export async function gatewayEntities(client: TestClient, _workspaceId: string, existing: EntityIds = {}): Promise<EntityIds> {
  const gateway = await client.call((c) =>
    c.gateways.create({ name: `Fixture gateway ${Math.random().toString(36).slice(2, 8)}`, location: 'test rack' }),
  );
  const token = await client.call((c) =>
    c.gateways.createToken({ gatewayId: gateway.id, name: 'fixture agent', expiresInDays: 30 }),
  );
  const apiId = existing.api;
  if (apiId) await client.call((c) => c.gateways.assignApi({ gatewayId: gateway.id, apiId }));
  return { gw: gateway.id, gwt: token.id };
}
