import { request, type Dispatcher } from 'undici';
import { ServiceKey } from '../../pipeline/policy-services.js';
import type { PolicyLogger } from '../../pipeline/statement-handler.js';
import { KeyRing } from './key-ring.js';

export interface OpenIdKeySetsOptions {
  /** How documents are fetched; undici's global dispatcher by default (tests redirect it to 127.0.0.1). */
  dispatcher?: Dispatcher;
  /** Bound on one fetch, discovery document or JWKS, body included. */
  fetchTimeoutMs?: number;
  /** Largest document accepted. */
  maxBytes?: number;
  /** Keys older than this are refetched in the background while still used. */
  refreshMs?: number;
  /** A token whose kid no key has refetches the keys at most this often, so bad kids cannot hammer the IdP. */
  unknownKidCooldownMs?: number;
  /** After a failed fetch, requests fail fast with its error until this has passed. */
  retryAfterFailureMs?: number;
  /** Milliseconds, monotonic. */
  now?: () => number;
}

const DEFAULTS = {
  fetchTimeoutMs: 5_000,
  maxBytes: 1024 * 1024,
  refreshMs: 60 * 60_000,
  unknownKidCooldownMs: 30_000,
  retryAfterFailureMs: 10_000,
};

/** Why keys could not be loaded: the statement refuses the token with it (lastError). */
export class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
}

async function fetchJson(
  url: string,
  options: Required<Omit<OpenIdKeySetsOptions, 'dispatcher'>> & OpenIdKeySetsOptions,
  signal: AbortSignal,
): Promise<unknown> {
  const response = await request(url, {
    method: 'GET',
    headers: { accept: 'application/json' },
    signal: AbortSignal.any([signal, AbortSignal.timeout(options.fetchTimeoutMs)]),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`${url} answered ${response.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > options.maxBytes) {
      response.body.destroy();
      throw new Error(`${url} sent more than ${options.maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown;
  } catch {
    throw new Error(`${url} did not send JSON`);
  }
}

function httpsUrl(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`the discovery document has no ${what}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`the discovery document's ${what} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new Error(`the discovery document's ${what} is not https`);
  return url.href;
}

/**
 * The signing keys of one OpenID Connect provider: its discovery document, then its JWKS.
 * Loaded on first need (a statement asks at compile time, so usually before the first token),
 * then used while refetched in the background when older than `refreshMs`; a token with an
 * unknown `kid` (the provider rotated its keys) refetches at once, at most once per
 * `unknownKidCooldownMs`. A failed fetch keeps the keys already held; with none, tokens are
 * refused with the fetch's error until a retry, at most once per `retryAfterFailureMs`.
 */
export class OpenIdKeySet {
  readonly url: string;
  ring: KeyRing | undefined = undefined;
  /** The provider's `issuer`, accepted when the statement lists no issuers. */
  issuer: string | undefined = undefined;
  lastError: string | undefined = undefined;
  #loading: Promise<void> | undefined = undefined;
  #loadedAt = -Infinity;
  #attemptedAt = -Infinity;
  readonly #options: Required<Omit<OpenIdKeySetsOptions, 'dispatcher'>> & OpenIdKeySetsOptions;
  readonly #signal: AbortSignal;
  #logger: PolicyLogger | undefined;

  constructor(
    url: string,
    options: Required<Omit<OpenIdKeySetsOptions, 'dispatcher'>> & OpenIdKeySetsOptions,
    signal: AbortSignal,
  ) {
    this.url = url;
    this.#options = options;
    this.#signal = signal;
  }

  /** Where fetch failures are reported (the compile's logger; the latest wins). */
  useLogger(logger: PolicyLogger): void {
    this.#logger = logger;
  }

  /**
   * The keys to verify with now, or a promise of the first load (settling within the fetch
   * timeout); throws KeysUnavailable when the last load failed and no keys are held.
   */
  keys(): KeyRing | Promise<KeyRing> {
    const now = this.#options.now();
    if (this.ring !== undefined) {
      if (now - this.#loadedAt > this.#options.refreshMs && now - this.#attemptedAt > this.#options.retryAfterFailureMs) {
        void this.#load(now);
      }
      return this.ring;
    }
    if (this.#loading !== undefined) return this.#loading.then(() => this.#held());
    if (this.lastError !== undefined && now - this.#attemptedAt <= this.#options.retryAfterFailureMs) return this.#held();
    return this.#load(now).then(() => this.#held());
  }

  /** After a token's kid matched no key: refetch, unless a fetch started within the cooldown. */
  refreshForUnknownKid(): Promise<KeyRing> | undefined {
    const now = this.#options.now();
    if (this.#loading !== undefined) return this.#loading.then(() => this.#held());
    if (now - this.#attemptedAt < this.#options.unknownKidCooldownMs) return undefined;
    return this.#load(now).then(() => this.#held());
  }

  #held(): KeyRing {
    if (this.ring !== undefined) return this.ring;
    throw new KeysUnavailable(`the signing keys of ${this.url} could not be loaded: ${this.lastError ?? 'not loaded yet'}`);
  }

  #load(now: number): Promise<void> {
    this.#attemptedAt = now;
    const loading = this.#fetch().then(
      ({ ring, issuer }) => {
        this.ring = ring;
        this.issuer = issuer;
        this.lastError = undefined;
        this.#loadedAt = this.#options.now();
      },
      (error: unknown) => {
        this.lastError = error instanceof Error ? error.message : String(error);
        if (!this.#signal.aborted) {
          this.#logger?.warn({ url: this.url, error: this.lastError }, 'validate-jwt: fetching the OpenID signing keys failed');
        }
      },
    );
    this.#loading = loading.finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #fetch(): Promise<{ ring: KeyRing; issuer: string | undefined }> {
    const discovery = (await fetchJson(this.url, this.#options, this.#signal)) as Record<string, unknown> | null;
    if (typeof discovery !== 'object' || discovery === null) throw new Error(`${this.url} is not a discovery document`);
    const jwksUri = httpsUrl(discovery.jwks_uri, 'jwks_uri');
    const issuer = typeof discovery.issuer === 'string' ? discovery.issuer : undefined;
    return { ring: KeyRing.fromJwks(await fetchJson(jwksUri, this.#options, this.#signal)), issuer };
  }
}

/**
 * Every OpenID provider's keys in the process, by discovery URL: shared by all statements and
 * revisions naming the same URL, so a new revision neither refetches nor forgets them.
 */
export class OpenIdKeySets {
  readonly #sets = new Map<string, OpenIdKeySet>();
  readonly #options: Required<Omit<OpenIdKeySetsOptions, 'dispatcher'>> & OpenIdKeySetsOptions;
  readonly #closing = new AbortController();

  constructor(options: OpenIdKeySetsOptions = {}) {
    this.#options = { ...DEFAULTS, now: () => performance.now(), ...options };
  }

  get(url: string): OpenIdKeySet {
    let set = this.#sets.get(url);
    if (set === undefined) {
      set = new OpenIdKeySet(url, this.#options, this.#closing.signal);
      this.#sets.set(url, set);
    }
    return set;
  }

  /** Aborts fetches in flight (gateway shutdown). */
  close(): void {
    this.#closing.abort();
  }
}

export const openIdKeySets = new ServiceKey('validate-jwt OpenID key sets', () => new OpenIdKeySets());
