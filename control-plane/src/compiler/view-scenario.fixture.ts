import type { SignedUp } from '../../test/harness.js';

/** Ids of what `createViewScenario` made, in creation order (the golden test's stand-in names follow it). */
export interface ViewScenario {
  ids: Record<string, string>;
  keys: Record<string, string>;
}

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBfixture\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEfixture\n-----END PRIVATE KEY-----\n';

/**
 * One tenant's worth of config through the procedures, as an administrator makes it: two APIs
 * on gateway "edge" (one versioned, each with its own backend), one API left off it, products,
 * subscriptions of every scope, documents at every scope, a fragment and named values.
 */
export async function createViewScenario(owner: SignedUp): Promise<ViewScenario> {
  const ws = owner.workspaceId;
  const ids: Record<string, string> = { tenant: owner.tenantId, workspace: ws, user: owner.userId };
  const keys: Record<string, string> = {};
  const call = owner.client.call.bind(owner.client);

  for (const [name, value, secret] of [
    ['greeting', 'hello', false],
    ['api-token', 'token-in-clear', true],
    ['unused', 'never-shipped', false],
    ['client-cert', PEM_CERT, false],
    ['client-key', PEM_KEY, true],
  ] as const) {
    ids[`nv:${name}`] = (await call((c) => c.namedValues.create({ workspaceId: ws, name, value, secret }))).id;
  }

  ids.beOrders = (
    await call((c) =>
      c.backends.create({
        workspaceId: ws,
        name: 'Orders backend',
        url: 'https://orders.internal.example',
        retry: { count: 2, intervalMs: 100, onStatusCodes: [503] },
        credentials: {
          headers: [{ name: 'X-Api-Key', value: 'header-secret' }],
          query: [{ name: 'api_key', value: 'query-secret' }],
          authorization: { scheme: 'Bearer', parameter: 'bearer-secret' },
          clientCertificate: { certificate: 'client-cert', privateKey: 'client-key' },
        },
      }),
    )
  ).id;
  ids.beBilling = (
    await call((c) =>
      c.backends.create({
        workspaceId: ws,
        name: 'Billing backend',
        pool: [
          { url: 'https://billing-a.internal.example', weight: 3 },
          { url: 'https://billing-b.internal.example', weight: 1 },
        ],
        loadBalancing: 'weighted',
        circuitBreaker: { failures: 5, windowMs: 10_000, tripMs: 30_000 },
        credentials: { basic: { username: 'billing', password: 'basic-secret' } },
      }),
    )
  ).id;

  ids.versionSet = (
    await call((c) =>
      c.versionSets.create({ workspaceId: ws, name: 'Orders', versioningScheme: 'header', versionHeaderName: 'Api-Version' }),
    )
  ).id;
  ids.apiOrders = (
    await call((c) =>
      c.apis.create({
        workspaceId: ws,
        name: 'Orders',
        path: 'orders',
        backendId: ids.beOrders!,
        versionSetId: ids.versionSet!,
        apiVersion: 'v1',
      }),
    )
  ).id;
  ids.opGetOrder = (
    await call((c) =>
      c.operations.create({
        workspaceId: ws,
        apiId: ids.apiOrders!,
        name: 'getOrder',
        method: 'GET',
        urlTemplate: '/orders/{orderId}',
        parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: [{ status: 200, description: 'The order' }],
      }),
    )
  ).id;
  ids.apiBilling = (
    await call((c) => c.apis.create({ workspaceId: ws, name: 'Billing', path: 'billing', backendId: ids.beBilling! }))
  ).id;
  ids.opListInvoices = (
    await call((c) =>
      c.operations.create({
        workspaceId: ws,
        apiId: ids.apiBilling!,
        name: 'listInvoices',
        method: 'GET',
        urlTemplate: '/invoices',
      }),
    )
  ).id;
  ids.apiHidden = (await call((c) => c.apis.create({ workspaceId: ws, name: 'Hidden', path: 'hidden' }))).id;
  ids.opHidden = (
    await call((c) =>
      c.operations.create({ workspaceId: ws, apiId: ids.apiHidden!, name: 'secret', method: 'GET', urlTemplate: '/secret' }),
    )
  ).id;

  ids.gateway = (await call((c) => c.gateways.create({ name: 'edge', location: 'eu' }))).id;
  for (const apiId of [ids.apiOrders, ids.apiBilling])
    await call((c) => c.gateways.assignApi({ gatewayId: ids.gateway!, apiId }));

  ids.prdGold = (await call((c) => c.products.create({ workspaceId: ws, name: 'Gold' }))).id;
  for (const apiId of [ids.apiOrders, ids.apiHidden])
    await call((c) => c.products.addApi({ workspaceId: ws, productId: ids.prdGold!, apiId }));
  ids.prdHiddenOnly = (await call((c) => c.products.create({ workspaceId: ws, name: 'Hidden only' }))).id;
  await call((c) => c.products.addApi({ workspaceId: ws, productId: ids.prdHiddenOnly!, apiId: ids.apiHidden! }));

  const subscribe = async (
    label: string,
    scope: 'product' | 'api' | 'all_apis',
    target: { productId?: string; apiId?: string },
  ) => {
    const created = await call((c) =>
      c.subscriptions.create({
        workspaceId: ws,
        ownerId: owner.userId,
        scope,
        ...target,
        name: label,
        expiresAt: label === 'product' ? '2099-01-01T00:00:00.000Z' : null,
      }),
    );
    ids[`sub:${label}`] = created.id;
    keys[label] = created.primaryKey;
    keys[`${label}:secondary`] = created.secondaryKey;
    return created.id;
  };
  await subscribe('product', 'product', { productId: ids.prdGold });
  await subscribe('api', 'api', { apiId: ids.apiOrders });
  await subscribe('all', 'all_apis', {});
  await subscribe('hidden', 'api', { apiId: ids.apiHidden });
  const cancelled = await subscribe('cancelled', 'api', { apiId: ids.apiBilling });
  await call((c) => c.subscriptions.cancel({ workspaceId: ws, subscriptionId: cancelled }));

  ids.fragment = (
    await call((c) =>
      c.policyFragments.create({ workspaceId: ws, name: 'common', source: '- set-header: { name: x-fragment, value: ["f"] }\n' }),
    )
  ).id;
  await call((c) => c.policies.global.set({ source: 'inbound:\n  - set-header: { name: x-global, value: ["g"] }\n' }));
  await call((c) =>
    c.policies.workspace.set({
      workspaceId: ws,
      source: 'inbound:\n  - base: {}\n  - include-fragment: { fragment-id: common }\n',
    }),
  );
  await call((c) =>
    c.policies.api.set({
      workspaceId: ws,
      apiId: ids.apiOrders!,
      source: 'inbound:\n  - base: {}\n  - set-header: { name: x-greeting, value: ["{{greeting}}"] }\n',
    }),
  );
  await call((c) =>
    c.policies.operation.set({
      workspaceId: ws,
      apiId: ids.apiOrders!,
      operationId: ids.opGetOrder!,
      source:
        'inbound:\n  - base: {}\n  - set-header: { name: authorization, value: ["Bearer {{api-token}}"] }\noutbound:\n  - set-header: { name: x-op-out, value: ["o"] }\n',
    }),
  );
  await call((c) =>
    c.policies.product.set({
      workspaceId: ws,
      productId: ids.prdGold!,
      source: 'inbound:\n  - base: {}\n  - set-header: { name: x-product, value: ["gold"] }\n',
    }),
  );
  return { ids, keys };
}
