import { and, eq } from 'drizzle-orm';
import { apis, gateways, tenantMembers, users, workspaces } from './db/schema/index.js';
import { readDemoEnv, writeDemoEnv } from './demo-env.js';
import { appRouter } from './router.js';
import type { Deps } from './trpc/context.js';
import { createCallerFactory } from './trpc/procedures.js';
import { DEMO_EMAIL } from './demo-seed.js';

export interface DemoGateway {
  tenantId: string;
  gatewayId: string;
  /** The embedded agent's access token. */
  gatewayToken: string;
  /** A subscription key for the demo product. */
  subscriptionKey: string;
  /** A URL of the demo API on the embedded gateway. */
  apiUrl: string;
}

const createCaller = createCallerFactory(appRouter);

/**
 * The quick start's gateway side, made with the same procedures a user would call (so it is
 * validated, audited and published like any other change): an echo backend, a demo API on it
 * with a catch-all operation, a protected product holding it with a subscription for the demo
 * admin, and a gateway serving it with a token for the embedded agent. Its secrets go to
 * `demo.env` next to the sign-in credentials; a second start reuses them.
 */
export async function seedDemoGateway(
  deps: Deps,
  envFile: string,
  options: { echoUrl: string; gatewayUrl: string },
): Promise<DemoGateway> {
  const saved = readDemoEnv(envFile);
  const [user] = await deps.db.select().from(users).where(eq(users.email, DEMO_EMAIL));
  if (!user) throw new Error('the demo admin does not exist: seed it first');
  const [member] = await deps.db.select().from(tenantMembers).where(eq(tenantMembers.userId, user.id));
  const tenantId = member!.tenantId;
  if (saved.PORTICO_DEMO_GATEWAY_ID && saved.PORTICO_DEMO_GATEWAY_TOKEN && saved.PORTICO_DEMO_KEY && saved.PORTICO_DEMO_URL) {
    const [gateway] = await deps.db
      .select({ id: gateways.id })
      .from(gateways)
      .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, saved.PORTICO_DEMO_GATEWAY_ID)));
    if (gateway)
      return {
        tenantId,
        gatewayId: gateway.id,
        gatewayToken: saved.PORTICO_DEMO_GATEWAY_TOKEN,
        subscriptionKey: saved.PORTICO_DEMO_KEY,
        apiUrl: saved.PORTICO_DEMO_URL,
      };
  }

  const [workspace] = await deps.db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(and(eq(workspaces.tenantId, tenantId), eq(workspaces.isDefault, true)));
  const workspaceId = workspace!.id;
  const api = createCaller({
    deps,
    actor: { userId: user.id, tenantId, via: 'session', credentialId: 'ses_demo-seed', csrfVerified: true },
    authFailure: null,
    req: {
      requestId: 'demo-seed',
      ip: '127.0.0.1',
      userAgent: 'portico demo seed',
      csrfHeader: undefined,
      getCookie: () => undefined,
      setCookie: () => undefined,
    },
  });

  const suffix = Math.random().toString(36).slice(2, 6);
  const backend = await api.backends.create({ workspaceId, name: `Echo ${suffix}`, url: options.echoUrl });
  // An earlier demo (whose demo.env was lost) may hold the path already.
  const [taken] = await deps.db
    .select({ id: apis.id })
    .from(apis)
    .where(and(eq(apis.tenantId, tenantId), eq(apis.path, 'echo')));
  const apiPath = taken ? `echo-${suffix}` : 'echo';
  const echo = await api.apis.create({ workspaceId, name: `Echo ${suffix}`, path: apiPath, backendId: backend.id });
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const)
    await api.operations.create({
      workspaceId,
      apiId: echo.id,
      name: `${method.toLowerCase()}-anything`,
      method,
      urlTemplate: '/*',
    });
  const product = await api.products.create({ workspaceId, name: `Starter ${suffix}` });
  await api.products.addApi({ workspaceId, productId: product.id, apiId: echo.id });
  await api.products.publish({ workspaceId, productId: product.id });
  const subscription = await api.subscriptions.create({
    workspaceId,
    ownerId: user.id,
    scope: 'product',
    productId: product.id,
    name: 'Demo key',
  });
  const gateway = await api.gateways.create({ name: `Embedded ${suffix}`, location: 'all-in-one process' });
  await api.gateways.assignApi({ gatewayId: gateway.id, apiId: echo.id });
  const token = await api.gateways.createToken({ gatewayId: gateway.id, name: 'embedded agent', expiresInDays: 365 });

  const demo: DemoGateway = {
    tenantId,
    gatewayId: gateway.id,
    gatewayToken: token.token,
    subscriptionKey: subscription.primaryKey,
    apiUrl: `${options.gatewayUrl}/${apiPath}/hello`,
  };
  writeDemoEnv(envFile, {
    ...saved,
    PORTICO_DEMO_URL: demo.apiUrl,
    PORTICO_DEMO_KEY: demo.subscriptionKey,
    PORTICO_DEMO_GATEWAY_ID: demo.gatewayId,
    PORTICO_DEMO_GATEWAY_TOKEN: demo.gatewayToken,
  });
  return demo;
}
