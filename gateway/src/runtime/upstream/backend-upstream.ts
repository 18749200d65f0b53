import { createSecureContext } from 'node:tls';
import { toBinary } from '@bufbuild/protobuf';
import { BackendSchema, type Backend } from '@portico/proto';
import { Pool } from 'undici';
import { CircuitBreaker } from './circuit-breaker.js';
import { createTargetPicker, type TargetPicker } from './load-balancer.js';
import { UpstreamTarget } from './upstream-target.js';

export class BackendError extends Error {}

/** A backend's retry rule, for calls without a request body. */
export interface RetryRule {
  readonly count: number;
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  readonly onStatusCodes: ReadonlySet<number>;
  readonly onConnectionError: boolean;
}

// undici's own defaults, stated so a backend without timeouts cannot hold a call forever.
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 300_000;
const BODY_TIMEOUT_MS = 300_000;

/**
 * Everything needed to call one backend: a keep-alive pool per target, the load-balancing
 * picker, circuit breakers, retry rule and credentials. It outlives config revisions that carry
 * the backend unchanged, so connections survive frequent config changes.
 */
export class BackendUpstream {
  readonly id: string;
  /** The backend's encoding: a new view with the same bytes reuses this upstream. */
  readonly encoded: Buffer;
  readonly targets: readonly UpstreamTarget[];
  readonly pick: TargetPicker;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs = BODY_TIMEOUT_MS;
  readonly retry: RetryRule | null;
  /** Status codes that count as failures for the circuit breakers. */
  readonly failureStatusCodes: ReadonlySet<number> | null;
  readonly acceptRetryAfter: boolean;
  /** Credential headers as a flat name/value list, appended to every upstream request. */
  readonly credentialHeaders: readonly string[];
  /** Lower-case names of the credential headers, which replace the caller's. */
  readonly credentialHeaderNames: ReadonlySet<string>;
  /** Encoded `name=value&…` credential query parameters ('' for none). */
  readonly credentialQuery: string;
  #inFlight = 0;
  #retired = false;
  #closed: Promise<void> | undefined;

  constructor(backend: Backend, encoded: Buffer) {
    this.id = backend.id;
    this.encoded = encoded;
    if (backend.targets.length === 0) throw new BackendError(`backend ${backend.id} has no target`);
    if (backend.credentials?.clientCertificatePem) checkClientCertificate(backend);
    const connect = {
      timeout: backend.connectTimeoutMs || DEFAULT_CONNECT_TIMEOUT_MS,
      rejectUnauthorized: backend.tlsVerify,
      ...(backend.credentials?.clientCertificatePem && {
        cert: backend.credentials.clientCertificatePem,
        key: backend.credentials.clientKeyPem,
      }),
    };
    const breakerRule = backend.circuitBreaker && backend.circuitBreaker.failures > 0 ? backend.circuitBreaker : undefined;
    const pools = new Map<string, Pool>();
    this.targets = backend.targets.map((target, index) => {
      let url: URL;
      try {
        url = new URL(target.url);
      } catch {
        throw new BackendError(`backend ${backend.id} target[${index}]: '${target.url}' is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new BackendError(`backend ${backend.id} target[${index}]: '${target.url}' is not an http(s) URL`);
      }
      let pool = pools.get(url.origin);
      if (!pool) {
        pool = new Pool(url.origin, { connect, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 600_000 });
        pools.set(url.origin, pool);
      }
      const breaker = breakerRule
        ? new CircuitBreaker(breakerRule.failures, breakerRule.windowMs || 10_000, breakerRule.tripMs || 30_000)
        : null;
      const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
      return new UpstreamTarget(target.url, pool, basePath, target.weight || 1, target.priority, breaker);
    });
    this.pick = createTargetPicker(backend.loadBalancing, this.targets);
    this.headersTimeoutMs = backend.requestTimeoutMs || DEFAULT_HEADERS_TIMEOUT_MS;
    const retry = backend.retry;
    this.retry =
      retry && retry.count > 0
        ? {
            count: retry.count,
            intervalMs: retry.intervalMs,
            maxIntervalMs: retry.maxIntervalMs,
            onStatusCodes: new Set(retry.onStatusCodes),
            onConnectionError: retry.onConnectionError,
          }
        : null;
    this.failureStatusCodes = breakerRule ? new Set(breakerRule.statusCodes) : null;
    this.acceptRetryAfter = breakerRule?.acceptRetryAfter ?? false;
    const credentials = backend.credentials;
    const headers: string[] = [];
    for (const [name, value] of Object.entries(credentials?.headers ?? {})) headers.push(name, value);
    if (credentials?.authorization) headers.push('authorization', credentials.authorization);
    this.credentialHeaders = headers;
    this.credentialHeaderNames = new Set(headers.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()));
    this.credentialQuery = Object.entries(credentials?.query ?? {})
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
  }

  /** Counts a call that may still dispatch; a retired upstream closes once none is left. */
  acquire(): void {
    this.#inFlight++;
  }

  release(): void {
    if (--this.#inFlight === 0 && this.#retired) void this.close();
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** No config uses this upstream any more: close its pools after the calls in flight end. */
  retire(): void {
    this.#retired = true;
    if (this.#inFlight === 0) void this.close();
  }

  close(): Promise<void> {
    this.#closed ??= Promise.all(
      [...new Set(this.targets.map((target) => target.pool))].map((pool) => pool.close().catch(() => undefined)),
    ).then(() => undefined);
    return this.#closed;
  }

  /** Retired or closed: a later config must build its own. */
  get retired(): boolean {
    return this.#retired || this.#closed !== undefined;
  }
}

/** Builds the upstream of a backend, or reuses `previous` when the backend is byte-identical. */
export function compileBackend(backend: Backend, previous: BackendUpstream | undefined): BackendUpstream {
  const encoded = Buffer.from(toBinary(BackendSchema, backend));
  if (previous && !previous.retired && previous.encoded.equals(encoded)) return previous;
  return new BackendUpstream(backend, encoded);
}

/** A bad certificate or key would only fail at the first TLS handshake; refuse the config instead. */
function checkClientCertificate(backend: Backend): void {
  try {
    createSecureContext({ cert: backend.credentials!.clientCertificatePem, key: backend.credentials!.clientKeyPem });
  } catch (error) {
    throw new BackendError(`backend ${backend.id}: client certificate or key unusable (${(error as Error).message})`);
  }
}
