import { describe, expect, it } from 'vitest';
import { VersioningScheme } from '@portico/proto';
import { compileConfig, ConfigCompileError } from './compile-config.js';
import { view, type ViewInit } from './testing.js';

const base = () =>
  ({
    revision: 7n,
    contentHash: 'abc',
    backends: [{ id: 'be_1', targets: [{ url: 'http://127.0.0.1:9/base' }] }],
    apis: [
      {
        id: 'api_1',
        path: 'orders',
        backendId: 'be_1',
        operations: [{ id: 'op_1', method: 'GET', urlTemplate: '/orders/{id}' }],
      },
    ],
    products: [{ id: 'prd_2', subscriptionRequired: true, apiIds: ['api_1'] }],
  }) satisfies ViewInit;

function compileError(init: ViewInit): string {
  try {
    const config = compileConfig(view(init));
    for (const upstream of config.upstreams.values()) void upstream.close();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigCompileError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigCompileError');
}

const withPipeline = (policy: string, configJson: string) => ({
  ...base(),
  pipelines: [
    {
      operationId: 'op_1',
      productId: 'prd_2',
      inbound: [
        { policy: 'set-header', configJson: JSON.stringify({ name: 'x-a', value: ['1'] }) },
        { policy, configJson },
      ],
    },
  ],
});

describe('compileConfig', () => {
  it('compiles a valid view and keeps the validated statements and their handlers per operation × product', () => {
    const config = compileConfig(
      view(withPipeline('check-header', '{"name":"x-client","failed-check-httpcode":403,"failed-check-error-message":"no"}')),
    );
    expect(config.revision).toBe(7n);
    expect(config.contentHash).toBe('abc');
    const pipeline = config.pipelines.get('op_1\0prd_2')!;
    expect(pipeline.inbound).toEqual([
      { 'set-header': { name: 'x-a', 'exists-action': 'override', value: ['1'] } },
      {
        'check-header': {
          name: 'x-client',
          'failed-check-httpcode': 403,
          'failed-check-error-message': 'no',
          'ignore-case': false,
        },
      },
    ]);
    expect(pipeline.backend).toBeNull();
    expect(pipeline.policies?.inbound?.map((handler) => handler.name)).toEqual(['setHeader', 'checkHeader']);
    expect(pipeline.policies?.outbound).toBeNull();
    void config.upstreams.get('be_1')!.close();
  });

  it('compiles an empty pipeline to no handlers, so requests stream without a policy context', () => {
    const config = compileConfig(view({ ...base(), pipelines: [{ operationId: 'op_1', productId: '' }] }));
    expect(config.pipelines.get('op_1\0')!.policies).toBeNull();
    void config.upstreams.get('be_1')!.close();
  });

  it('refuses a set-backend-service naming a backend the view does not have', () => {
    expect(compileError(withPipeline('set-backend-service', '{"backend-id":"be_typo"}'))).toBe(
      "pipeline op_1 × prd_2 inbound[1] set-backend-service: backend-id 'be_typo' is not a backend of this gateway",
    );
  });

  it('refuses an expression naming an undefined named value', () => {
    expect(compileError(withPipeline('set-header', '{"name":"x-tier","value":["{{tier}}"]}'))).toMatch(
      /^pipeline op_1 × prd_2 inbound\[1\] set-header: named value 'tier' is not defined/,
    );
  });

  it('names the statement of an invalid policy config', () => {
    expect(compileError(withPipeline('rate-limit', '{"calls":"ten","renewal-period":60}'))).toBe(
      'pipeline op_1 × prd_2 inbound[1] rate-limit: calls: Invalid input: expected number, received string',
    );
  });

  it('names an unknown policy', () => {
    expect(compileError(withPipeline('rate-limt', '{}'))).toMatch(
      /^pipeline op_1 × prd_2 inbound\[1\] rate-limt: unknown policy 'rate-limt'/,
    );
  });

  it('rejects config_json that is not JSON', () => {
    expect(compileError(withPipeline('rate-limit', '{calls'))).toMatch(
      /^pipeline op_1 × prd_2 inbound\[1\] rate-limit: config_json is not JSON/,
    );
  });

  it('rejects a backend id missing from the view', () => {
    const init = base();
    init.apis[0]!.backendId = 'be_gone';
    expect(compileError(init)).toBe('api api_1: backend be_gone is not in the view');
  });

  it('rejects a bad URL template, naming API and operation', () => {
    const init = base();
    init.apis[0]!.operations[0]!.urlTemplate = '/files/{*path}/more';
    expect(compileError(init)).toBe(
      "api api_1 operation op_1: URL template '/files/{*path}/more' wildcard '{*path}' must be the last segment",
    );
    init.apis[0]!.operations[0]!.urlTemplate = 'users';
    expect(compileError(init)).toBe("api api_1 operation op_1: URL template 'users' must start with '/'");
    init.apis[0]!.operations[0]!.urlTemplate = '/users/{id';
    expect(compileError(init)).toMatch(/segment '\{id' has unbalanced braces/);
  });

  it('rejects two operations with the same method and route shape', () => {
    const init = base();
    init.apis[0]!.operations.push({ id: 'op_2', method: 'GET', urlTemplate: '/orders/{orderId}' });
    expect(compileError(init)).toBe(
      "api api_1 operation op_2: GET '/orders/{orderId}' duplicates another operation's route (/orders/{})",
    );
  });

  it('rejects a bad method, a bad API path and clashing API paths', () => {
    const method = base();
    method.apis[0]!.operations[0]!.method = 'get';
    expect(compileError(method)).toBe("api api_1 operation op_1: method 'get' is not an upper-case HTTP method");
    const path = base();
    path.apis[0]!.path = '/orders';
    expect(compileError(path)).toBe("api api_1: path '/orders' must be segments without slashes at either end");
    const clash = base();
    clash.apis.push({ ...clash.apis[0]!, id: 'api_2', operations: [] });
    expect(compileError(clash)).toBe("api api_2: path 'orders': another unversioned API has the same path");
  });

  it('rejects header versioning without a parameter name, and a pipeline for an unknown operation', () => {
    const versioned = base();
    Object.assign(versioned.apis[0]!, { versioning: { scheme: VersioningScheme.HEADER, version: 'v1' } });
    expect(compileError(versioned)).toBe('api api_1: header versioning needs a parameter name');
    expect(compileError({ ...base(), pipelines: [{ operationId: 'op_x', productId: '' }] })).toBe(
      'pipeline op_x × (no product): no such operation in the view',
    );
  });

  it('rejects a target that is not an http(s) URL', () => {
    expect(compileError({ ...base(), backends: [{ id: 'be_1', targets: [{ url: 'ftp://x' }] }] })).toBe(
      "backend be_1 target[0]: 'ftp://x' is not an http(s) URL",
    );
  });

  it('rejects a client certificate that is not a usable PEM (it would fail only at the first handshake)', () => {
    const backends = [
      {
        id: 'be_1',
        targets: [{ url: 'https://backend.example' }],
        credentials: { clientCertificatePem: 'not a certificate', clientKeyPem: 'not a key' },
      },
    ];
    expect(compileError({ ...base(), backends })).toMatch(/^backend be_1: client certificate or key unusable \(/);
  });

  it('reuses compiled pipelines and unchanged upstreams from the previous config', () => {
    const first = compileConfig(
      view(withPipeline('check-header', '{"name":"x-client","failed-check-httpcode":403,"failed-check-error-message":"no"}')),
    );
    const second = compileConfig(
      view({
        ...withPipeline('check-header', '{"name":"x-client","failed-check-httpcode":403,"failed-check-error-message":"no"}'),
        revision: 8n,
      }),
      first,
    );
    expect(second.pipelines.get('op_1\0prd_2')).toBe(first.pipelines.get('op_1\0prd_2'));
    expect(second.upstreams.get('be_1')).toBe(first.upstreams.get('be_1'));
    void second.upstreams.get('be_1')!.close();
  });

  it('recompiles an unchanged pipeline when its operation changes (examples and schemas are compiled in)', () => {
    const init = (example: string) => {
      const init = withPipeline('mock-response', '{"status-code":200}');
      const [api] = init.apis;
      return {
        ...init,
        apis: [
          {
            ...api!,
            operations: [
              {
                ...api!.operations[0]!,
                responsesJson: JSON.stringify({ 200: { content: { 'application/json': { example } } } }),
              },
            ],
          },
        ],
      };
    };
    const first = compileConfig(view(init('a')));
    const same = compileConfig(view({ ...init('a'), revision: 8n }), first);
    expect(same.pipelines.get('op_1\0prd_2')).toBe(first.pipelines.get('op_1\0prd_2'));
    const changed = compileConfig(view({ ...init('b'), revision: 9n }), same);
    expect(changed.pipelines.get('op_1\0prd_2')).not.toBe(same.pipelines.get('op_1\0prd_2'));
    for (const upstream of changed.upstreams.values()) void upstream.close();
  });

  it('recompiles an unchanged pipeline when a named value it references changes, and only then', () => {
    const init = (tier: string, other: string) => ({
      ...withPipeline('set-header', '{"name":"x-tier","value":["{{tier}}"]}'),
      namedValues: [
        { name: 'tier', value: tier },
        { name: 'other', value: other },
      ],
    });
    const first = compileConfig(view(init('gold', 'a')));
    const second = compileConfig(view({ ...init('gold', 'b'), revision: 8n }), first);
    expect(second.pipelines.get('op_1\0prd_2')).toBe(first.pipelines.get('op_1\0prd_2'));
    const third = compileConfig(view({ ...init('silver', 'b'), revision: 9n }), second);
    expect(third.pipelines.get('op_1\0prd_2')).not.toBe(second.pipelines.get('op_1\0prd_2'));
    void third.upstreams.get('be_1')!.close();
  });
});
