import { startEchoServer, type EchoServer } from '@portico/gateway/echo';
import { connectControlPlaneTransport, type ControlPlaneTransport } from '@portico/proto/distribution';
import { startNatsServer, type NatsServerHandle } from '@portico/proto/testing';
import { createControlPlane, type ControlPlane } from '../../src/control-plane.js';
import { createLogger } from '../../src/lib/logger.js';
import { LogCapture, PASSWORD, createTestDatabase, testConfig, uniqueEmail } from '../harness.js';
import { HttpClient } from '../http-client.js';

/** What the end-to-end suites run against: a nats-server, Postgres, the control plane over HTTP and an echo backend. */
export interface E2eStack {
  nats: NatsServerHandle;
  transport: ControlPlaneTransport;
  echo: EchoServer;
  /** The management API (`/api/v1…`), as an operator's script calls it; throws on a non-2xx answer. */
  rest<T = Record<string, unknown>>(this: void, method: string, route: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startE2eStack(name: string): Promise<E2eStack> {
  const nats = await startNatsServer();
  const database = await createTestDatabase();
  const echo = await startEchoServer();
  const transport = await connectControlPlaneTransport({ servers: nats.url, name, reconnectTimeWaitMs: 100 });
  const controlPlane: ControlPlane = await createControlPlane(
    testConfig({ databaseUrl: database.url, port: 0, host: '127.0.0.1' }),
    createLogger('warn', new LogCapture()),
    database,
    { transport },
  );
  const admin = new HttpClient(`http://127.0.0.1:${await controlPlane.listen()}`);
  return {
    nats,
    transport,
    echo,
    async rest<T = Record<string, unknown>>(this: void, method: string, route: string, body?: unknown): Promise<T> {
      const res = await admin.request<T>(method, `/api/v1${route}`, body);
      if (res.status >= 300) throw new Error(`${method} ${route} → ${res.status} ${res.text}`);
      return res.json;
    },
    async close() {
      await controlPlane.close();
      await transport.close();
      await echo.close();
      await nats.stop();
    },
  };
}

/** A tenant with one API in front of the echo backend, sold through a product, on one gateway. */
export interface Shop {
  tenantId: string;
  workspaceId: string;
  userId: string;
  backendId: string;
  apiId: string;
  subscriptionId: string;
  /** The subscription's primary key. */
  key: string;
  gatewayId: string;
  /** A gateway access token for the agents. */
  token: string;
}

/**
 * What a provider does in the portal or with the SDK: sign up, a backend, an API `shop` answering
 * GET on any path (with `apiPolicy` as its document, if given), a published product, a
 * subscription to it, a gateway serving the API and a token for its agents.
 */
export async function provisionShop(stack: E2eStack, label: string, apiPolicy?: unknown): Promise<Shop> {
  const { rest } = stack;
  const signedUp = await rest<{ user: { id: string }; tenant: { id: string }; workspace: { id: string } }>(
    'POST',
    '/auth/sign-up',
    { email: uniqueEmail(label), password: PASSWORD, name: 'Operator', organization: `${label} Corp` },
  );
  const ws = (route: string) => `/workspaces/${signedUp.workspace.id}${route}`;
  const backend = await rest<{ id: string }>('POST', ws('/backends'), { name: 'Echo', url: stack.echo.url });
  const api = await rest<{ id: string }>('POST', ws('/apis'), { name: 'Shop', path: 'shop', backendId: backend.id });
  await rest('POST', ws(`/apis/${api.id}/operations`), { name: 'anything', method: 'GET', urlTemplate: '/*' });
  if (apiPolicy !== undefined)
    await rest('PUT', ws(`/apis/${api.id}/policy`), { format: 'json', source: JSON.stringify(apiPolicy) });
  const product = await rest<{ id: string }>('POST', ws('/products'), { name: 'Starter' });
  await rest('PUT', ws(`/products/${product.id}/apis/${api.id}`));
  await rest('POST', ws(`/products/${product.id}/publish`));
  const subscription = await rest<{ id: string; primaryKey: string }>('POST', ws('/subscriptions'), {
    ownerId: signedUp.user.id,
    scope: 'product',
    productId: product.id,
    name: 'Mobile app',
  });
  const gateway = await rest<{ id: string }>('POST', '/gateways', { name: 'On-prem', location: 'rack 1' });
  await rest('PUT', `/gateways/${gateway.id}/apis/${api.id}`);
  const token = await rest<{ token: string }>('POST', `/gateways/${gateway.id}/tokens`, { name: 'agents', expiresInDays: 30 });
  return {
    tenantId: signedUp.tenant.id,
    workspaceId: signedUp.workspace.id,
    userId: signedUp.user.id,
    backendId: backend.id,
    apiId: api.id,
    subscriptionId: subscription.id,
    key: subscription.primaryKey,
    gatewayId: gateway.id,
    token: token.token,
  };
}

/** The environment of a `portico-gateway` agent of `shop`'s gateway. */
export function agentEnv(stack: E2eStack, shop: Shop, instance: string, backupPath: string): Record<string, string> {
  return {
    PORTICO_NATS_URL: stack.nats.url,
    PORTICO_TENANT_ID: shop.tenantId,
    PORTICO_GATEWAY_ID: shop.gatewayId,
    PORTICO_GATEWAY_TOKEN: shop.token,
    PORTICO_BACKUP_PATH: backupPath,
    PORTICO_INSTANCE_ID: instance,
  };
}
