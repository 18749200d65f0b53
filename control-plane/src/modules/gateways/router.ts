import { router } from '../../trpc/procedures.js';
import { assignApi } from './assign-api.js';
import { createGatewayToken } from './create-gateway-token.js';
import { createGateway } from './create-gateway.js';
import { deleteGateway } from './delete-gateway.js';
import { getGateway } from './get-gateway.js';
import { listGatewayApis } from './list-gateway-apis.js';
import { listGatewayInstances } from './list-gateway-instances.js';
import { listGatewayTokens } from './list-gateway-tokens.js';
import { listGateways } from './list-gateways.js';
import { revokeGatewayToken } from './revoke-gateway-token.js';
import { unassignApi } from './unassign-api.js';
import { updateGateway } from './update-gateway.js';

export const gatewaysRouter = router({
  list: listGateways,
  get: getGateway,
  create: createGateway,
  update: updateGateway,
  listApis: listGatewayApis,
  assignApi,
  unassignApi,
  listTokens: listGatewayTokens,
  createToken: createGatewayToken,
  revokeToken: revokeGatewayToken,
  listInstances: listGatewayInstances,
  // Last, so the generated suites revoke the token before the gateway (and its tokens) is gone.
  delete: deleteGateway,
});
