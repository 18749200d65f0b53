import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { createLogger } from '../src/lib/logger.js';
import { createHarness, errorOf, signUp, testConfig, type Harness, type SignedUp } from './harness.js';
import { HttpClient } from './http-client.js';

/**
 * Issue #5: `policies.trace` explains what an operation's policy does to a sample request, with
 * statements at all five scopes (and a fragment), over tRPC and REST.
 */
describe('policies.trace', () => {
  let h: Harness;
  let owner: SignedUp;
  let ws: string;
  let apiId: string;
  let operationId: string;
  let productId: string;
  const SECRET = 'sk_trace_0123456789abcdef';

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Trace');
    ws = owner.workspaceId;
    apiId = (await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Orders', path: 'orders' }))).id;
    operationId = (
      await owner.client.call((c) =>
        c.operations.create({ workspaceId: ws, apiId, name: 'get', method: 'GET', urlTemplate: '/orders/{id}' }),
      )
    ).id;
    productId = (await owner.client.call((c) => c.products.create({ workspaceId: ws, name: 'Gold' }))).id;
    await owner.client.call((c) => c.namedValues.create({ workspaceId: ws, name: 'backend-key', value: SECRET, secret: true }));
    await owner.client.call((c) =>
      c.policyFragments.create({
        workspaceId: ws,
        name: 'stamp',
        source: '- set-header: { name: x-stamped, value: ["yes"] }\n',
      }),
    );
    const set = (scope: string, source: string) => {
      switch (scope) {
        case 'global':
          return owner.client.call((c) => c.policies.global.set({ source }));
        case 'workspace':
          return owner.client.call((c) => c.policies.workspace.set({ workspaceId: ws, source }));
        case 'product':
          return owner.client.call((c) => c.policies.product.set({ workspaceId: ws, productId, source }));
        case 'api':
          return owner.client.call((c) => c.policies.api.set({ workspaceId: ws, apiId, source }));
        default:
          return owner.client.call((c) => c.policies.operation.set({ workspaceId: ws, apiId, operationId, source }));
      }
    };
    await set(
      'global',
      'inbound:\n  - set-header: { name: x-global, value: ["g"] }\non-error:\n  - set-header: { name: x-failed, value: ["@(context.lastError.reason)"] }\n',
    );
    await set('workspace', 'inbound:\n  - base: {}\n  - include-fragment: { fragment-id: stamp }\n');
    await set('product', 'inbound:\n  - base: {}\n  - set-variable: { name: tier, value: gold }\n');
    await set(
      'api',
      [
        'inbound:',
        '  - base: {}',
        '  - check-header: { name: x-client, failed-check-httpcode: 401, failed-check-error-message: "Who are you?", ignore-case: true }',
        '  - set-header: { name: x-api-key, value: ["{{backend-key}}"] }',
        'outbound:',
        '  - set-header: { name: x-api, value: ["orders"] }',
        '',
      ].join('\n'),
    );
    await set(
      'operation',
      'inbound:\n  - base: {}\n  - rewrite-uri: { template: "/v2/orders/{id}" }\noutbound:\n  - base: {}\n  - set-status: { code: 202 }\n',
    );
  });
  afterAll(() => h.close());

  it('explains each statement with its scope of origin and effect, and the final request and response', async () => {
    const result = await owner.client.call((c) =>
      c.policies.trace({
        workspaceId: ws,
        apiId,
        operationId,
        productId,
        request: { path: '/orders/42', headers: { 'x-client': 'portal' } },
        backendResponse: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":42}' },
      }),
    );
    expect(result.steps.map((s) => `${s.section} ${s.origin.scope} ${s.policy} ${s.outcome}`)).toEqual([
      'inbound global set-header continue',
      'inbound workspace set-header continue',
      'inbound product set-variable continue',
      'inbound api check-header continue',
      'inbound api set-header continue',
      'inbound operation rewrite-uri continue',
      'outbound api set-header continue',
      'outbound operation set-status continue',
    ]);
    // The fragment's statement is the workspace's, at the place the include stood.
    expect(result.steps[1]).toMatchObject({
      origin: { scope: 'workspace', path: 'inbound[1]' },
      effects: [{ field: 'request.header.x-stamped', after: 'yes' }],
    });
    expect(result.steps[5]!.effects).toEqual([{ field: 'request.path', before: '/orders/42', after: '/v2/orders/42' }]);
    expect(result.steps[7]!.effects).toEqual([{ field: 'response.status', before: '200', after: '202' }]);
    expect(result.backendRequests).toHaveLength(1);
    expect(result.backendRequests[0]).toMatchObject({
      method: 'GET',
      path: '/v2/orders/42',
      headers: { 'x-global': 'g', 'x-api-key': '***' },
    });
    expect(result.response).toMatchObject({ status: 202, body: '{"id":42}', headers: { 'x-api': 'orders' } });
    expect(result.variables).toEqual({ tier: 'gold' });
    // A secret named value never leaves in a trace.
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('shows the failing statement and what on-error did, over REST as well', async () => {
    const cp: ControlPlane = await createControlPlane(
      testConfig({ databaseUrl: h.database.url, port: 0, host: '127.0.0.1' }),
      createLogger('silent'),
      { ...h.database, close: async () => {} },
    );
    try {
      const http = new HttpClient(`http://127.0.0.1:${await cp.listen()}`);
      http.bearer = (await owner.client.call((c) => c.tokens.create({ name: 'trace' }))).token;
      const res = await http.request<{
        steps: { section: string; policy: string; outcome: string; error?: { reason: string } }[];
        response: { status: number; headers: Record<string, string> };
        backendRequests: unknown[];
      }>('POST', `/api/v1/workspaces/${ws}/apis/${apiId}/operations/${operationId}/policy-trace`, {
        request: { path: '/orders/7' },
      });
      expect(res.status).toBe(200);
      expect(res.json.steps.map((s) => `${s.section} ${s.policy} ${s.outcome}`)).toEqual([
        'inbound set-header continue',
        'inbound set-header continue',
        'inbound check-header error',
        'on-error set-header continue',
      ]);
      expect(res.json.steps[2]!.error).toMatchObject({ reason: 'header-not-found' });
      expect(res.json.response).toMatchObject({ status: 401, headers: { 'x-failed': 'header-not-found' } });
      expect(res.json.backendRequests).toEqual([]);
    } finally {
      await cp.close();
    }
  });

  it('refuses a path the operation does not match, naming the field', async () => {
    const error = await errorOf(
      owner.client.call((c) => c.policies.trace({ workspaceId: ws, apiId, operationId, request: { path: '/customers/1' } })),
    );
    expect(error.code).toBe('CP_ERR_VALIDATION');
    expect(error.message).toBe("request.path: '/customers/1' does not match the operation's URL template '/orders/{id}'");
  });
});
