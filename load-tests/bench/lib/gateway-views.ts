import { createHash, randomBytes } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  ApiType,
  GatewayViewSchema,
  LoadBalancing,
  SubscriptionScope,
  SubscriptionState,
  type GatewayView,
  type OperationSchema,
  type PipelineSchema,
  type SubscriptionSchema,
} from '@portico/proto';

/** The header every bench view takes its subscription key in (Azure's default name). */
export const KEY_HEADER = 'Ocp-Apim-Subscription-Key';

const sha256 = (key: string): Uint8Array => createHash('sha256').update(key).digest();

/**
 * One API (`/bench`, GET `/items/{id}`) in a protected product, one active subscription to it
 * holding `key`: the smallest view that runs routing, key auth and the proxy.
 */
export function singleApiView(backendUrl: string, key: string): GatewayView {
  return create(GatewayViewSchema, {
    tenantId: 'ten_bench',
    gatewayId: 'gw_bench',
    revision: 1n,
    contentHash: 'bench-single-api',
    apis: [
      {
        id: 'api_bench',
        name: 'Bench',
        type: ApiType.HTTP,
        path: 'bench',
        protocols: ['http', 'https'],
        subscriptionRequired: true,
        subscriptionKeyHeaderName: KEY_HEADER,
        subscriptionKeyQueryName: 'subscription-key',
        backendId: 'be_echo',
        workspaceId: 'ws_bench',
        operations: [
          {
            id: 'op_get_item',
            name: 'Get item',
            method: 'GET',
            urlTemplate: '/items/{id}',
            parameters: [{ name: 'id', in: 'path', required: true, schemaJson: '{"type":"string"}' }],
          },
        ],
      },
    ],
    backends: [
      { id: 'be_echo', targets: [{ url: backendUrl, weight: 1 }], loadBalancing: LoadBalancing.ROUND_ROBIN, tlsVerify: true },
    ],
    products: [{ id: 'prd_bench', subscriptionRequired: true, apiIds: ['api_bench'] }],
    subscriptions: [
      {
        id: 'sub_bench',
        primaryKeySha256: sha256(key),
        secondaryKeySha256: sha256(`${key}-secondary`),
        state: SubscriptionState.ACTIVE,
        scope: SubscriptionScope.PRODUCT,
        scopeId: 'prd_bench',
        ownerId: 'usr_bench',
      },
    ],
  });
}

export interface ScaleViewOptions {
  apis: number;
  /** At most 10: each API gets the first n of a fixed set of REST templates. */
  operationsPerApi: number;
  subscriptions: number;
  backendUrl: string;
  /** Key of one extra all-APIs subscription, so a load test can call every API. */
  key: string;
}

const TEMPLATES: ReadonlyArray<readonly [method: string, template: string, params: readonly string[]]> = [
  ['GET', '/items', []],
  ['POST', '/items', []],
  ['GET', '/items/{id}', ['id']],
  ['PUT', '/items/{id}', ['id']],
  ['DELETE', '/items/{id}', ['id']],
  ['GET', '/items/{id}/parts', ['id']],
  ['GET', '/items/{id}/parts/{partId}', ['id', 'partId']],
  ['GET', '/orders', []],
  ['GET', '/orders/{orderId}', ['orderId']],
  ['POST', '/orders/{orderId}/cancel', ['orderId']],
];

/** APIs per product and per backend in scale views. */
export const APIS_PER_GROUP = 10;

/**
 * A tenant at scale: `api_<n>` at `svc<n>/v1` with REST operations, one backend and one product
 * per 10 APIs, a rate-limit pipeline on each API's GET `/items/{id}`, and subscriptions with
 * random key hashes spread over products (70%), single APIs (25%) and all APIs (5%); 95% active.
 */
export function scaleView(options: ScaleViewOptions): GatewayView {
  const groups = Math.ceil(options.apis / APIS_PER_GROUP);
  const responsesJson = JSON.stringify({ 200: { description: 'OK' }, 404: { description: 'Not found' } });
  const pipelines: MessageInitShape<typeof PipelineSchema>[] = [];
  const apis = Array.from({ length: options.apis }, (_, n) => {
    const operations = TEMPLATES.slice(0, options.operationsPerApi).map(([method, urlTemplate, params], k) => {
      const id = `op_${n}_${k}`;
      if (urlTemplate === '/items/{id}' && method === 'GET') {
        pipelines.push({
          operationId: id,
          productId: '',
          inbound: [
            {
              policy: 'rate-limit',
              configJson: '{"calls":1000000,"renewal-period":60}',
              originScope: 'api',
              originId: `api_${n}`,
            },
          ],
        });
      }
      const operation: MessageInitShape<typeof OperationSchema> = {
        id,
        name: `${method} ${urlTemplate}`,
        method,
        urlTemplate,
        parameters: params.map((name) => ({ name, in: 'path', required: true, schemaJson: '{"type":"string"}' })),
        responsesJson,
      };
      return operation;
    });
    return {
      id: `api_${n}`,
      name: `Service ${n}`,
      type: ApiType.HTTP,
      path: `svc${n}/v1`,
      protocols: ['https'],
      subscriptionRequired: true,
      subscriptionKeyHeaderName: KEY_HEADER,
      subscriptionKeyQueryName: 'subscription-key',
      backendId: `be_${Math.floor(n / APIS_PER_GROUP)}`,
      workspaceId: `ws_${n % 20}`,
      operations,
    };
  });
  const backends = Array.from({ length: groups }, (_, b) => ({
    id: `be_${b}`,
    targets: [{ url: `${options.backendUrl}/svc${b}`, weight: 1 }],
    loadBalancing: LoadBalancing.ROUND_ROBIN,
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 30_000,
    tlsVerify: true,
  }));
  const products = Array.from({ length: groups }, (_, p) => ({
    id: `prd_${p}`,
    subscriptionRequired: true,
    apiIds: apis.slice(p * APIS_PER_GROUP, (p + 1) * APIS_PER_GROUP).map((api) => api.id),
  }));
  // One allocation for every key hash: two 32-byte views per subscription.
  const hashes = randomBytes(options.subscriptions * 64);
  const subscriptions = Array.from({ length: options.subscriptions }, (_, i): MessageInitShape<typeof SubscriptionSchema> => {
    const draw = i % 20;
    const scope = draw === 0 ? SubscriptionScope.ALL_APIS : draw < 6 ? SubscriptionScope.API : SubscriptionScope.PRODUCT;
    const scopeId =
      scope === SubscriptionScope.PRODUCT
        ? `prd_${i % groups}`
        : scope === SubscriptionScope.API
          ? `api_${i % options.apis}`
          : `ws_${i % 20}`;
    return {
      id: `sub_${i.toString(36).padStart(8, '0')}`,
      primaryKeySha256: hashes.subarray(i * 64, i * 64 + 32),
      secondaryKeySha256: hashes.subarray(i * 64 + 32, i * 64 + 64),
      state: i % 20 === 7 ? SubscriptionState.SUSPENDED : SubscriptionState.ACTIVE,
      scope,
      scopeId,
      ownerId: `usr_${(i % 250_000).toString(36)}`,
      expiresAtMs: i % 10 === 3 ? 1_900_000_000_000n : 0n,
    };
  });
  subscriptions.push({
    id: 'sub_bench',
    primaryKeySha256: sha256(options.key),
    secondaryKeySha256: new Uint8Array(),
    state: SubscriptionState.ACTIVE,
    scope: SubscriptionScope.ALL_APIS,
    scopeId: '',
    ownerId: 'usr_bench',
    expiresAtMs: 0n,
  });
  return create(GatewayViewSchema, {
    tenantId: 'ten_scale',
    gatewayId: 'gw_scale',
    revision: 1n,
    contentHash: `bench-scale-${options.apis}`,
    apis,
    backends,
    products,
    subscriptions,
    pipelines,
  });
}
