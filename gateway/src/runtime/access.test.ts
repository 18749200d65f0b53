import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionScope, SubscriptionState } from '@portico/proto';
import { startEchoServer, type EchoServer } from '../echo/index.js';
import { KeyIndex, checkAccess, type AccessSubscription } from './access.js';
import { GW_ERR, subscriptionKeyMissing } from './gateway-errors.js';
import { call, sha256, startGateway, type TestGateway } from './testing.js';

const KEY_HEADER = 'Ocp-Apim-Subscription-Key';
const { ACTIVE, SUSPENDED, SUBMITTED } = SubscriptionState;
const { PRODUCT, API, ALL_APIS } = SubscriptionScope;

describe('access', () => {
  let echo: EchoServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    echo = await startEchoServer();
    const secured = (id: string, path: string, workspaceId = 'ws_1') => ({
      id,
      path,
      workspaceId,
      subscriptionRequired: true,
      subscriptionKeyHeaderName: KEY_HEADER,
      subscriptionKeyQueryName: 'subscription-key',
      backendId: 'be_1',
      operations: [{ id: `op_${id}`, method: 'GET', urlTemplate: '/{*rest}' }],
    });
    gateway = await startGateway({
      backends: [{ id: 'be_1', targets: [{ url: echo.url }] }],
      apis: [
        secured('api_a', 'a'),
        secured('api_b', 'b'),
        secured('api_other_ws', 'w', 'ws_2'),
        secured('api_open_product', 'open'),
        {
          id: 'api_free',
          path: 'free',
          subscriptionRequired: false,
          backendId: 'be_1',
          operations: [{ id: 'op_free', method: 'GET', urlTemplate: '/' }],
        },
      ],
      products: [
        { id: 'prd_a', subscriptionRequired: true, apiIds: ['api_a'] },
        { id: 'prd_open', subscriptionRequired: false, apiIds: ['api_open_product'] },
      ],
      subscriptions: [
        {
          id: 'sub_product',
          primaryKeySha256: sha256('product-key'),
          secondaryKeySha256: sha256('product-key-2'),
          state: ACTIVE,
          scope: PRODUCT,
          scopeId: 'prd_a',
        },
        { id: 'sub_api', primaryKeySha256: sha256('api-key'), state: ACTIVE, scope: API, scopeId: 'api_b' },
        { id: 'sub_ws', primaryKeySha256: sha256('ws-key'), state: ACTIVE, scope: ALL_APIS, scopeId: 'ws_1' },
        { id: 'sub_all', primaryKeySha256: sha256('all-key'), state: ACTIVE, scope: ALL_APIS, scopeId: '' },
        { id: 'sub_suspended', primaryKeySha256: sha256('suspended-key'), state: SUSPENDED, scope: API, scopeId: 'api_a' },
        { id: 'sub_submitted', primaryKeySha256: sha256('submitted-key'), state: SUBMITTED, scope: API, scopeId: 'api_a' },
        {
          id: 'sub_expired',
          primaryKeySha256: sha256('expired-key'),
          state: ACTIVE,
          scope: API,
          scopeId: 'api_a',
          expiresAtMs: BigInt(Date.now() - 1000),
        },
        {
          id: 'sub_future',
          primaryKeySha256: sha256('future-key'),
          state: ACTIVE,
          scope: API,
          scopeId: 'api_a',
          expiresAtMs: BigInt(Date.now() + 3_600_000),
        },
      ],
    });
  });

  afterAll(async () => {
    await gateway.close();
    await echo.close();
  });

  async function status(path: string, key?: string) {
    const res = await call(gateway.url + path, { headers: key === undefined ? {} : { [KEY_HEADER]: key } });
    return res.status === 200 ? 200 : [res.status, res.json<{ code: string }>().code];
  }

  it('answers 401 subscription_key_missing without a key, naming the header and query parameter', async () => {
    const res = await call(`${gateway.url}/a/x`);
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({
      statusCode: 401,
      code: 'subscription_key_missing',
      message:
        'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API. ' +
        "Send it in the 'Ocp-Apim-Subscription-Key' header or the 'subscription-key' query parameter.",
      requestId: res.headers['x-request-id'],
    });
  });

  it('answers 401 subscription_key_invalid for an unknown key', async () => {
    expect(await status('/a/x', 'nope')).toEqual([401, 'subscription_key_invalid']);
  });

  it('answers 403 subscription_inactive for suspended, submitted and expired subscriptions', async () => {
    expect(await status('/a/x', 'suspended-key')).toEqual([403, 'subscription_inactive']);
    expect(await status('/a/x', 'submitted-key')).toEqual([403, 'subscription_inactive']);
    expect(await status('/a/x', 'expired-key')).toEqual([403, 'subscription_inactive']);
    expect(await status('/a/x', 'future-key')).toBe(200);
  });

  it('grants a product key the product APIs only (403 subscription_no_access elsewhere)', async () => {
    expect(await status('/a/x', 'product-key')).toBe(200);
    expect(await status('/b/x', 'product-key')).toEqual([403, 'subscription_no_access']);
  });

  it('accepts the secondary key', async () => {
    expect(await status('/a/x', 'product-key-2')).toBe(200);
  });

  it('grants an API key its API only', async () => {
    expect(await status('/b/x', 'api-key')).toBe(200);
    expect(await status('/a/x', 'api-key')).toEqual([403, 'subscription_no_access']);
  });

  it('grants an all-APIs key the APIs of its workspace, or every API when unscoped', async () => {
    expect(await status('/a/x', 'ws-key')).toBe(200);
    expect(await status('/w/x', 'ws-key')).toEqual([403, 'subscription_no_access']);
    expect(await status('/w/x', 'all-key')).toBe(200);
  });

  it('takes the key from the query parameter and strips it before forwarding', async () => {
    const res = await call(`${gateway.url}/b/x?a=1&subscription-key=api-key&b=2`);
    expect(res.status).toBe(200);
    expect(res.json<{ query: Record<string, string> }>().query).toEqual({ a: '1', b: '2' });
  });

  it('strips the key header before forwarding', async () => {
    const res = await call(`${gateway.url}/b/x`, { headers: { [KEY_HEADER]: 'api-key' } });
    const headers = res.json<{ headers: Record<string, string> }>().headers;
    expect(headers['ocp-apim-subscription-key']).toBeUndefined();
    expect(headers['x-forwarded-proto']).toBe('http');
  });

  it('lets a call without a key through an open product, but checks a key that is sent', async () => {
    expect(await status('/open/x')).toBe(200);
    expect(await status('/open/x', 'nope')).toEqual([401, 'subscription_key_invalid']);
  });

  it('lets any call reach an API that requires no subscription', async () => {
    expect(await status('/free')).toBe(200);
    expect(await status('/free', 'anything')).toBe(200);
  });
});

describe('checkAccess', () => {
  const subscription = (id: string): AccessSubscription => ({
    id,
    name: '',
    state: SubscriptionState.ACTIVE,
    expiresAtMs: 0n,
    scope: SubscriptionScope.API,
    scopeId: 'api_a',
  });
  const api = { apiId: 'api_a', workspaceId: 'ws_1', subscriptionRequired: true, openProductId: undefined };
  const missingKey = subscriptionKeyMissing(KEY_HEADER, 'subscription-key');

  it('lets the current key index decide even for a key whose hash it remembers', () => {
    const key = 'remembered-key-0123456789';
    const keyHash = createHash('sha256').update(key).digest();
    const target = { productId: 'unset' };
    const before = KeyIndex.of([[keyHash, subscription('sub_1')]]);
    for (let i = 0; i < 3; i++) expect(checkAccess(api, before, key, missingKey, target)).toBeUndefined();
    expect(target.productId).toBe('');
    // The subscription is gone from the next config: the remembered hash must not keep it alive.
    expect(checkAccess(api, KeyIndex.of([]), key, missingKey, target)).toBe(GW_ERR.subscriptionKeyInvalid);
    const suspended = KeyIndex.of([[keyHash, { ...subscription('sub_1'), state: SubscriptionState.SUSPENDED }]]);
    expect(checkAccess(api, suspended, key, missingKey, target)).toBe(GW_ERR.subscriptionInactive);
  });

  it('checks keys right after many others were remembered and evicted', () => {
    const entries: [Buffer, AccessSubscription][] = [];
    const keys: string[] = [];
    for (let i = 0; i < 1500; i++) {
      keys.push(`key-${i}`);
      entries.push([createHash('sha256').update(`key-${i}`).digest(), subscription(`sub_${i}`)]);
    }
    const index = KeyIndex.of(entries);
    for (const key of keys) expect(checkAccess(api, index, key, missingKey, { productId: '' })).toBeUndefined();
    for (const key of keys) expect(checkAccess(api, index, key, missingKey, { productId: '' })).toBeUndefined();
    expect(checkAccess(api, index, 'key-1500', missingKey, { productId: '' })).toBe(GW_ERR.subscriptionKeyInvalid);
  });
});
