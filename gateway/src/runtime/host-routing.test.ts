import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersioningScheme } from '@portico/proto';
import { startEchoServer, type EchoServer } from '../echo/index.js';
import { compileConfig, ConfigCompileError } from './compile-config.js';
import { call, startGateway, view, type TestGateway, type ViewInit } from './testing.js';

interface Echoed {
  path: string;
}

describe('routing by host', () => {
  let echo: EchoServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    echo = await startEchoServer();
    // Each API's backend path names the API, so the echoed path tells which one answered.
    const backends = ['bound', 'wild', 'any', 'eu', 'us', 'deep', 'pinned', 'seg', 'seg_any'].map((name) => ({
      id: `be_${name}`,
      targets: [{ url: `${echo.url}/${name}` }],
    }));
    const api = (id: string, path: string, hostnames: string[], extra: object = {}) => ({
      id: `api_${id}`,
      path,
      hostnames,
      subscriptionRequired: false,
      backendId: `be_${id}`,
      operations: [{ id: `op_${id}`, method: 'GET', urlTemplate: '/{*rest}' }],
      ...extra,
    });
    gateway = await startGateway({
      backends,
      apis: [
        api('bound', 'bound', ['api.example.com']),
        api('wild', 'wild', ['*.example.com']),
        api('any', 'shared', []),
        // The same path on two hosts.
        api('eu', 'orders', ['eu.shop.test']),
        api('us', 'orders', ['us.shop.test', 'www.us.shop.test']),
        // Longest prefix within a host, across the host's own and host-less APIs.
        api('deep', 'orders/archive', ['eu.shop.test']),
        // The exact host beats the wildcard at the same path.
        api('pinned', 'wild', ['pinned.example.com']),
        api('seg', 'versioned', ['api.example.com'], { versioning: { scheme: VersioningScheme.SEGMENT, version: 'v1' } }),
        api('seg_any', 'versioned', [], { versioning: { scheme: VersioningScheme.SEGMENT, version: 'v2' } }),
      ],
    });
  });

  afterAll(async () => {
    await gateway.close();
    await echo.close();
  });

  /** The upstream path that answered, or the error code. */
  async function served(path: string, host: string): Promise<string> {
    const res = await call(gateway.url + path, { headers: { host } });
    return res.status === 200 ? res.json<Echoed>().path : `${res.status} ${res.json<{ code: string }>().code}`;
  }

  it('serves an API bound to a host on that host only', async () => {
    expect(await served('/bound/x', 'api.example.com')).toBe('/bound/x');
    expect(await served('/bound/x', 'other.example.com')).toBe('404 api_not_found');
    expect(await served('/bound/x', '127.0.0.1')).toBe('404 api_not_found');
  });

  it('matches the host without its port, trailing dot or case', async () => {
    expect(await served('/bound/x', 'api.example.com:8443')).toBe('/bound/x');
    expect(await served('/bound/x', 'API.Example.COM')).toBe('/bound/x');
    expect(await served('/bound/x', 'api.example.com.:80')).toBe('/bound/x');
    expect(await served('/bound/x', '[::1]:8080')).toBe('404 api_not_found');
  });

  it('matches `*.example.com` for exactly one label under example.com', async () => {
    expect(await served('/wild/x', 'eu.example.com')).toBe('/wild/x');
    expect(await served('/wild/x', 'EU.example.com:1234')).toBe('/wild/x');
    expect(await served('/wild/x', 'example.com')).toBe('404 api_not_found');
    expect(await served('/wild/x', 'a.b.example.com')).toBe('404 api_not_found');
    expect(await served('/wild/x', '.example.com')).toBe('404 api_not_found');
  });

  it('prefers the exact host to the wildcard at the same path, and still finds the wildcard API elsewhere', async () => {
    expect(await served('/wild/x', 'pinned.example.com')).toBe('/pinned/x');
    expect(await served('/bound/x', 'pinned.example.com')).toBe('404 api_not_found');
  });

  it('serves a host-less API on any host, and without a Host header', async () => {
    for (const host of ['api.example.com', 'eu.example.com', 'unknown.test', '10.0.0.1:80']) {
      expect(await served('/shared/x', host)).toBe('/any/x');
    }
    const { connect } = await import('node:net');
    const { port } = new URL(gateway.url);
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /shared/y HTTP/1.0\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(raw).toContain('"path":"/any/y"');
  });

  it('routes the same path on two hosts to two APIs', async () => {
    expect(await served('/orders/1', 'eu.shop.test')).toBe('/eu/1');
    expect(await served('/orders/1', 'us.shop.test')).toBe('/us/1');
    expect(await served('/orders/1', 'www.us.shop.test')).toBe('/us/1');
    expect(await served('/orders/1', 'shop.test')).toBe('404 api_not_found');
  });

  it('takes the longest path prefix within a host, host-less APIs included', async () => {
    expect(await served('/orders/archive/2024', 'eu.shop.test')).toBe('/deep/2024');
    expect(await served('/orders/archive/2024', 'us.shop.test')).toBe('/us/archive/2024');
    expect(await served('/shared/z', 'eu.shop.test')).toBe('/any/z');
  });

  it('chooses the version among the APIs of the host that won the path', async () => {
    expect(await served('/versioned/v1/a', 'api.example.com')).toBe('/seg/a');
    expect(await served('/versioned/v2/a', 'api.example.com')).toBe('404 api_version_not_found');
    expect(await served('/versioned/v2/a', 'other.test')).toBe('/seg_any/a');
    expect(await served('/versioned/v1/a', 'other.test')).toBe('404 api_version_not_found');
  });
});

describe('compiling host names', () => {
  const withHostnames = (hostnames: string[], more: ViewInit['apis'] = []): ViewInit => ({
    apis: [{ id: 'api_h', path: 'p', hostnames, operations: [] }, ...more],
  });

  function compileError(init: ViewInit): string {
    try {
      compileConfig(view(init));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigCompileError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigCompileError');
  }

  it('accepts DNS names and one-label wildcards', () => {
    const ok = ['api.example.com', '*.example.com', 'localhost', 'a-b.c1.io', `${'a'.repeat(63)}.com`];
    expect(() => compileConfig(view(withHostnames(ok)))).not.toThrow();
  });

  it.each([
    'API.example.com',
    'api.example.com:8080',
    'api.example.com.',
    '*.*.example.com',
    'eu.*.example.com',
    '*',
    '-api.example.com',
    'api-.example.com',
    'a..b',
    '',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(126)}com`,
  ])('rejects %j naming the API', (hostname) => {
    expect(compileError(withHostnames([hostname]))).toMatch(/^api api_h: hostname '.*' is not a lower-case host name/);
  });

  it('rejects a host name listed twice', () => {
    expect(compileError(withHostnames(['a.test', 'a.test']))).toBe("api api_h: hostname 'a.test' is listed twice");
  });

  it('rejects two APIs at the same path on the same host, allows them on different hosts', () => {
    expect(compileError(withHostnames(['a.test'], [{ id: 'api_2', path: 'p', hostnames: ['a.test'] }]))).toBe(
      "api api_2: path 'p': another unversioned API has the same path on host 'a.test'",
    );
    expect(() =>
      compileConfig(view(withHostnames(['a.test'], [{ id: 'api_2', path: 'p', hostnames: ['b.test'] }]))),
    ).not.toThrow();
    expect(() => compileConfig(view(withHostnames(['a.test'], [{ id: 'api_2', path: 'p' }])))).not.toThrow();
  });
});
