import { importJWK, type CryptoKey, type JWK } from 'jose';

type KeyType = 'oct' | 'RSA' | 'EC' | 'OKP';

/** The key type a JWS `alg` needs (RFC 7518 §3.1, RFC 8037); undefined for algorithms we refuse. */
function keyTypeOf(alg: string): KeyType | undefined {
  if (alg === 'HS256' || alg === 'HS384' || alg === 'HS512') return 'oct';
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return 'RSA';
  if (alg === 'ES256' || alg === 'ES384' || alg === 'ES512') return 'EC';
  if (alg === 'EdDSA' || alg === 'Ed25519') return 'OKP';
  return undefined;
}

const CURVE_OF: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** One key that may verify a signature: a secret, or a public JWK imported per algorithm on first use. */
export class SigningKey {
  readonly kid: string | undefined;
  readonly kty: KeyType;
  readonly alg: string | undefined;
  readonly crv: string | undefined;
  readonly #secret: Uint8Array | undefined;
  readonly #jwk: JWK | undefined;
  readonly #imported = new Map<string, Promise<CryptoKey | Uint8Array>>();

  private constructor(kty: KeyType, kid: string | undefined, alg: string | undefined, secret?: Uint8Array, jwk?: JWK) {
    this.kty = kty;
    this.kid = kid;
    this.alg = alg;
    this.crv = jwk?.crv;
    this.#secret = secret;
    this.#jwk = jwk;
  }

  static secret(value: Uint8Array, kid?: string): SigningKey {
    return new SigningKey('oct', kid, undefined, value);
  }

  /** A public JWK; undefined when it cannot verify signatures (private, encryption-only, unknown type). */
  static publicJwk(jwk: JWK): SigningKey | undefined {
    const kty = jwk.kty as string;
    if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return undefined;
    if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
    if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return undefined;
    if (jwk.d !== undefined) return undefined;
    const {
      kty: _kty,
      kid,
      alg,
      use: _use,
      key_ops: _ops,
      x5c: _x5c,
      x5t: _x5t,
      'x5t#S256': _x5t256,
      x5u: _x5u,
      ...material
    } = jwk;
    return new SigningKey(kty, kid, alg, undefined, { kty, ...material });
  }

  /** Whether this key can verify a token signed with `alg`. */
  fits(alg: string): boolean {
    if (keyTypeOf(alg) !== this.kty) return false;
    if (this.alg !== undefined && this.alg !== alg) return false;
    const curve = CURVE_OF[alg];
    return curve === undefined || this.crv === curve;
  }

  /** The key as jose verifies with it; a failed import is retried on the next call. */
  key(alg: string): Promise<CryptoKey | Uint8Array> {
    if (this.#secret !== undefined) return Promise.resolve(this.#secret);
    let imported = this.#imported.get(alg);
    if (imported === undefined) {
      imported = importJWK(this.#jwk!, alg);
      imported.catch(() => this.#imported.delete(alg));
      this.#imported.set(alg, imported);
    }
    return imported;
  }
}

/** Keys of one source (the inline issuer-signing-keys, or one JWKS), searched by `alg` and `kid`. */
export class KeyRing {
  readonly keys: readonly SigningKey[];

  constructor(keys: readonly SigningKey[]) {
    this.keys = keys;
  }

  /** From a JWKS document's `keys`, keeping those that verify signatures. */
  static fromJwks(document: unknown): KeyRing {
    const list = (document as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) throw new Error('the JWKS document has no "keys" array');
    const keys: SigningKey[] = [];
    for (const jwk of list) {
      if (typeof jwk !== 'object' || jwk === null) continue;
      const key = SigningKey.publicJwk(jwk as JWK);
      if (key !== undefined) keys.push(key);
    }
    return new KeyRing(keys);
  }

  /**
   * Adds to `out` the keys that may verify a token with `alg` and `kid`: those with that id and,
   * when the token names none or no key has it, those without an id. Returns whether a key had
   * the token's `kid` (false tells a remote set its keys may have rotated).
   */
  collect(alg: string, kid: string | undefined, out: SigningKey[]): boolean {
    let matchedId = false;
    for (const key of this.keys) {
      if (!key.fits(alg)) continue;
      if (kid !== undefined && key.kid === kid) {
        matchedId = true;
        out.push(key);
      } else if (key.kid === undefined || kid === undefined) {
        out.push(key);
      }
    }
    return matchedId;
  }
}
