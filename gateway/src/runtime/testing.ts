import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayViewSchema, type GatewayView } from '@portico/proto';
import { GatewayMetrics } from '../admin/metrics.js';
import type { TestDocument } from '../pipeline/testing.js';
import { PolicyServices } from '../pipeline/policy-services.js';
import { OutboundClient, outboundClientKey } from './upstream/outbound-client.js';
import { OutboundGuard } from './upstream/outbound-guard.js';
import { compileConfig, type CompiledConfig } from './compile-config.js';
import { createTrafficHandler, handleTrafficClientError } from './traffic-handler.js';

/** Test helpers: a gateway on a real socket, views, and a raw HTTP client. */

export type ViewInit = MessageInitShape<typeof GatewayViewSchema>;

export function view(init: ViewInit): GatewayView {
  return create(GatewayViewSchema, { revision: 1n, contentHash: 'hash-1', ...init });
}

export function sha256(key: string): Uint8Array {
  return createHash('sha256').update(key).digest();
}

export interface TestGateway {
  url: string;
  metrics: GatewayMetrics;
  config: CompiledConfig;
  /** Swaps in a new compiled config, as the agent does. */
  swap(next: CompiledConfig): void;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  /** Policy services set up front (an outbound allow-list, a cache size…), as the agent does. */
  services?: PolicyServices;
}

export async function startGateway(init: ViewInit | GatewayView, options: StartGatewayOptions = {}): Promise<TestGateway> {
  let config = compileConfig('$typeName' in init ? (init as GatewayView) : view(init), undefined, { services: options.services });
  const metrics = new GatewayMetrics();
  const server: Server = createServer(createTrafficHandler({ config: () => config, metrics }));
  server.on('clientError', handleTrafficClientError);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    metrics,
    get config() {
      return config;
    },
    swap(next) {
      config = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const upstream of config.upstreams.values()) await upstream.close();
      await config.services.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

/** An HTTP call with node:http, which (unlike fetch) sends hop-by-hop headers as given. */
export function call(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // The path is sent as written: a URL object would resolve `..` and re-encode escapes.
    const { hostname, port, origin } = new URL(url);
    const path = url.slice(origin.length) || '/';
    const req = request(
      { hostname, port, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: <T>() => JSON.parse(text) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Services whose outbound guard lets policies reach `allow` (e.g. `127.0.0.1` for a local test server). */
export function servicesAllowing(allow: string): PolicyServices {
  const services = new PolicyServices();
  services.set(outboundClientKey, new OutboundClient(OutboundGuard.fromList(allow)));
  return services;
}

/**
 * Statements as the control plane flattens them (`{ policy, configJson }`, API scope) from a
 * document section's `{ policy: config }` list.
 */
export function statements(list: readonly Record<string, unknown>[] | undefined) {
  return (list ?? []).map((statement) => {
    const [policy = '', config = null] = Object.entries(statement)[0] ?? [];
    return { policy, configJson: JSON.stringify(config), originScope: 'api', originId: 'api_test' };
  });
}

/** The pipeline the control plane would send for `document` on one operation (no product). */
export function pipelineFor(operationId: string, document: TestDocument) {
  return {
    operationId,
    productId: '',
    inbound: statements(document.inbound),
    backend: statements(document.backend),
    outbound: statements(document.outbound),
    onError: statements(document['on-error']),
  };
}
