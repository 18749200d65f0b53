import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../echo/index.js';
import { PolicyServices } from '../pipeline/policy-services.js';
import { OpenIdKeySets, openIdKeySets } from '../policies/validate-jwt/openid-key-sets.js';
import { startTestIdentityProvider, type TestIdentityProvider } from '../policies/validate-jwt/test-identity-provider.js';
import { compileConfig, ConfigCompileError } from './compile-config.js';
import { call, sha256, startGateway, view, type TestGateway, type ViewInit } from './testing.js';

interface Echoed {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
}

type Statements = Record<string, unknown>[];

const ROTATION_COOLDOWN_MS = 200;

// As the control plane flattens an API-scope document: every copy of a statement names its origin,
// so counters are shared by the operations it was copied into.
const apiScope = (list: Statements) =>
  list.map((statement, index) => {
    const [policy = '', config = null] = Object.entries(statement)[0] ?? [];
    return {
      policy,
      configJson: JSON.stringify(config),
      originScope: 'api',
      originId: 'api_shop',
      originPath: `inbound[${index}]`,
    };
  });

describe('security and limits on traffic', () => {
  let echo: EchoServer;
  let counting: Server;
  let countingUrl = '';
  let hits = 0;
  let idp: TestIdentityProvider;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    echo = await startEchoServer();
    counting = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('from the backend');
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    countingUrl = `http://127.0.0.1:${(counting.address() as AddressInfo).port}`;
    idp = await startTestIdentityProvider();
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  afterAll(async () => {
    await echo.close();
    counting.closeAllConnections();
    await new Promise<void>((resolve) => counting.close(() => resolve()));
    await idp.close();
  });

  interface Shop {
    inbound: Statements;
    backendUrl?: string;
    subscriptionRequired?: boolean;
    namedValues?: { name: string; value: string }[];
  }

  function shopView({ inbound, backendUrl, subscriptionRequired = false, namedValues = [] }: Shop): ViewInit {
    const operations = [
      { id: 'op_get', name: 'get-order', method: 'GET', urlTemplate: '/orders/{orderId}' },
      { id: 'op_post', name: 'update-order', method: 'POST', urlTemplate: '/orders/{orderId}' },
    ];
    return {
      namedValues,
      backends: [{ id: 'be', targets: [{ url: backendUrl ?? `${echo.url}/base` }] }],
      apis: [
        {
          id: 'api_shop',
          name: 'shop',
          path: 'shop',
          subscriptionRequired,
          subscriptionKeyHeaderName: 'x-key',
          backendId: 'be',
          operations,
        },
      ],
      products: subscriptionRequired ? [{ id: 'prd_gold', subscriptionRequired: true, apiIds: ['api_shop'] }] : [],
      subscriptions: subscriptionRequired
        ? [{ id: 'sub_1', primaryKeySha256: sha256('k1'), state: 1, scope: 1, scopeId: 'prd_gold' }]
        : [],
      pipelines: operations.map((operation) => ({
        operationId: operation.id,
        productId: subscriptionRequired ? 'prd_gold' : '',
        inbound: apiScope(inbound),
      })),
    };
  }

  /** A gateway whose policy services fetch from the test identity provider. */
  async function serve(shop: Shop): Promise<TestGateway> {
    const gw = await startGateway({});
    gateway = gw;
    const services = new PolicyServices();
    services.set(openIdKeySets, new OpenIdKeySets({ dispatcher: idp.dispatcher, unknownKidCooldownMs: ROTATION_COOLDOWN_MS }));
    gw.swap(compileConfig(view(shopView(shop)), gw.config, { services }));
    return gw;
  }

  describe('validate-jwt', () => {
    const jwtInbound: Statements = [
      {
        'validate-jwt': {
          'header-name': 'Authorization',
          'require-scheme': 'Bearer',
          'openid-config': [{ url: 'https://idp.test/tenant/.well-known/openid-configuration' }],
          audiences: ['api://shop'],
          'required-claims': [{ name: 'scp', separator: ' ', match: 'any', value: ['orders.read'] }],
        },
      },
      { 'set-header': { name: 'x-user', value: ['@(jwt["sub"])'] } },
    ];

    it('lets a valid token through with its claims, and refuses others with 401 and a reason', async () => {
      const gw = await serve({ inbound: jwtInbound });
      const good = await idp.sign({ sub: 'alice', aud: 'api://shop', scp: 'orders.read' });
      const res = await call(`${gw.url}/shop/orders/1`, { headers: { authorization: `Bearer ${good}` } });
      expect(res.status).toBe(200);
      expect(res.json<Echoed>().headers['x-user']).toBe('alice');

      const missing = await call(`${gw.url}/shop/orders/1`);
      expect(missing.status).toBe(401);
      expect(missing.json()).toMatchObject({ code: 'token_not_present', message: 'JWT not present.' });
      const cases: [Record<string, unknown>, string][] = [
        [{ aud: 'api://other', scp: 'orders.read' }, 'token_audience_not_allowed'],
        [{ aud: 'api://shop', scp: 'orders.write' }, 'token_claim_value_not_allowed'],
        [{ aud: 'api://shop', scp: 'orders.read', exp: Math.floor(Date.now() / 1000) - 60 }, 'token_expired'],
        [{ aud: 'api://shop', scp: 'orders.read', iss: 'https://other.example' }, 'token_issuer_not_allowed'],
      ];
      for (const [claims, code] of cases) {
        const refused = await call(`${gw.url}/shop/orders/1`, { headers: { authorization: `Bearer ${await idp.sign(claims)}` } });
        expect([refused.status, refused.json().code]).toEqual([401, code]);
      }
      const tampered = `${good.slice(0, -4)}AAAA`;
      const bad = await call(`${gw.url}/shop/orders/1`, { headers: { authorization: `Bearer ${tampered}` } });
      expect(bad.json().code).toBe('token_signature_invalid');
    });

    it('follows a key rotation at the identity provider', async () => {
      const gw = await serve({ inbound: jwtInbound });
      const claims = { sub: 'bob', aud: 'api://shop', scp: 'orders.read' };
      expect(
        (await call(`${gw.url}/shop/orders/1`, { headers: { authorization: `Bearer ${await idp.sign(claims)}` } })).status,
      ).toBe(200);
      await idp.rotate();
      // Keys are refetched for an unknown kid at most once per cooldown, counted from the last fetch.
      await new Promise((resolve) => setTimeout(resolve, ROTATION_COOLDOWN_MS + 100));
      const rotated = await call(`${gw.url}/shop/orders/1`, { headers: { authorization: `Bearer ${await idp.sign(claims)}` } });
      expect(rotated.status).toBe(200);
      expect(rotated.json<Echoed>().headers['x-user']).toBe('bob');
    });
  });

  describe('cors', () => {
    const corsConfig = {
      'allowed-origins': ['https://app.example.com'],
      'allowed-methods': ['GET', 'POST'],
      'allowed-headers': ['content-type', 'authorization'],
      'expose-headers': ['x-request-id'],
      'preflight-result-max-age': 600,
    };
    const preflightHeaders = {
      origin: 'https://app.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    };

    it('answers a preflight from the operation it asks about, running only cors, without calling the backend', async () => {
      // validate-jwt would refuse the preflight (it carries no token) if it ran.
      const gw = await serve({
        inbound: [
          { 'validate-jwt': { 'header-name': 'Authorization', 'issuer-signing-keys': [{ value: 'c2VjcmV0' }] } },
          { cors: corsConfig },
        ],
        backendUrl: countingUrl,
      });
      const before = hits;
      const res = await call(`${gw.url}/shop/orders/7`, { method: 'OPTIONS', headers: preflightHeaders });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(res.headers['access-control-allow-methods']).toBe('POST');
      expect(res.headers['access-control-allow-headers']).toBe('content-type, authorization');
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(res.headers.vary).toBe('Origin');
      expect(hits).toBe(before);
      // From an origin not allowed: an empty 200 the browser will refuse.
      const refused = await call(`${gw.url}/shop/orders/7`, {
        method: 'OPTIONS',
        headers: { ...preflightHeaders, origin: 'https://evil.example' },
      });
      expect(refused.status).toBe(200);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      // A plain OPTIONS is still answered by the gateway with Allow.
      const plain = await call(`${gw.url}/shop/orders/7`, { method: 'OPTIONS' });
      expect(plain.status).toBe(204);
      expect(plain.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
      // A preflight for a method the API does not have is answered as plain OPTIONS, without CORS headers.
      const unknown = await call(`${gw.url}/shop/orders/7`, {
        method: 'OPTIONS',
        headers: { ...preflightHeaders, 'access-control-request-method': 'DELETE' },
      });
      expect(unknown.status).toBe(204);
      expect(unknown.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('answers preflights on an API that needs a subscription key, which browsers never send on them', async () => {
      const gw = await serve({ inbound: [{ cors: corsConfig }], subscriptionRequired: true });
      const res = await call(`${gw.url}/shop/orders/7`, { method: 'OPTIONS', headers: preflightHeaders });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      // Actual calls still need the key.
      expect((await call(`${gw.url}/shop/orders/7`, { headers: { origin: 'https://app.example.com' } })).status).toBe(401);
      const withKey = await call(`${gw.url}/shop/orders/7`, { headers: { origin: 'https://app.example.com', 'x-key': 'k1' } });
      expect(withKey.status).toBe(200);
      expect(withKey.headers['access-control-allow-origin']).toBe('https://app.example.com');
    });

    it('decorates the backend’s response and the gateway’s own refusals for allowed origins', async () => {
      const gw = await serve({
        inbound: [{ cors: corsConfig }, { 'rate-limit': { calls: 1, 'renewal-period': 60 } }],
      });
      const first = await call(`${gw.url}/shop/orders/7`, { headers: { origin: 'https://app.example.com' } });
      expect(first.status).toBe(200);
      expect(first.json<Echoed>().path).toBe('/base/orders/7');
      expect(first.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(first.headers['access-control-expose-headers']).toBe('x-request-id');
      expect(first.headers.vary).toBe('Origin');
      const limited = await call(`${gw.url}/shop/orders/7`, { headers: { origin: 'https://app.example.com' } });
      expect(limited.status).toBe(429);
      expect(limited.headers['access-control-allow-origin']).toBe('https://app.example.com');
      // A GET from an origin not allowed ends with an empty 200 (terminate-unmatched-request).
      const other = await call(`${gw.url}/shop/orders/7`, { headers: { origin: 'https://evil.example' } });
      expect([other.status, other.text, other.headers['access-control-allow-origin']]).toEqual([200, '', undefined]);
    });
  });

  describe('rate limits', () => {
    it('counts an API-scope limit across the operations it was copied into, and keeps counting across revisions', async () => {
      const inbound: Statements = [
        { 'rate-limit': { calls: 3, 'renewal-period': 60, 'remaining-calls-header-name': 'x-remaining' } },
      ];
      const gw = await serve({ inbound });
      const get = await call(`${gw.url}/shop/orders/1`);
      expect([get.status, get.headers['x-remaining']]).toEqual([200, '2']);
      expect((await call(`${gw.url}/shop/orders/1`, { method: 'POST', body: '{}' })).headers['x-remaining']).toBe('1');
      // A new revision (another statement added after it) keeps the counter of the unchanged statement.
      gw.swap(
        compileConfig(
          view({ ...shopView({ inbound: [...inbound, { 'set-header': { name: 'x-rev', value: ['2'] } }] }), revision: 2n }),
          gw.config,
        ),
      );
      const third = await call(`${gw.url}/shop/orders/1`);
      expect([third.status, third.headers['x-remaining'], third.json<Echoed>().headers['x-rev']]).toEqual([200, '0', '2']);
      const refused = await call(`${gw.url}/shop/orders/1`);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.json()).toMatchObject({ statusCode: 429, code: 'rate_limit_exceeded' });
    });

    it('limits by key and reports the remaining calls on the backend’s response', async () => {
      const gw = await serve({
        inbound: [
          {
            'rate-limit-by-key': {
              calls: 2,
              'renewal-period': 60,
              'counter-key': '@(request.headers["x-client"])',
              'remaining-calls-header-name': 'x-remaining',
              'total-calls-header-name': 'x-limit',
            },
          },
        ],
      });
      const a = { headers: { 'x-client': 'a' } };
      const first = await call(`${gw.url}/shop/orders/1`, a);
      expect([first.status, first.headers['x-remaining'], first.headers['x-limit']]).toEqual([200, '1', '2']);
      await call(`${gw.url}/shop/orders/1`, a);
      const refused = await call(`${gw.url}/shop/orders/1`, a);
      expect([refused.status, refused.headers['x-remaining'], refused.headers['x-limit']]).toEqual([429, '0', '2']);
      expect((await call(`${gw.url}/shop/orders/1`, { headers: { 'x-client': 'b' } })).status).toBe(200);
    });
  });

  it('sends the backend Basic credentials from a named value', async () => {
    const gw = await startGateway(
      shopView({
        inbound: [{ 'authentication-basic': { username: 'gateway', password: '{{backend-password}}' } }],
        namedValues: [{ name: 'backend-password', value: 'pa:ss' }],
      }),
    );
    gateway = gw;
    const echoed = (await call(`${gw.url}/shop/orders/1`, { headers: { authorization: 'Bearer caller' } })).json<Echoed>();
    expect(echoed.headers.authorization).toBe(`Basic ${Buffer.from('gateway:pa:ss').toString('base64')}`);
  });

  it('refuses a bad configuration with the path of the field', () => {
    const bad = shopView({ inbound: [{ cors: { 'allowed-origins': ['*'], 'allow-credentials': true } }] });
    expect(() => compileConfig(view(bad))).toThrow(
      new ConfigCompileError(
        "pipeline op_get × (no product) inbound[0] cors: allowed-origins: allow-credentials cannot be used with the '*' origin; list the origins",
      ),
    );
  });
});
