import {
  compactDecrypt,
  decodeProtectedHeader,
  errors,
  jwtDecrypt,
  jwtVerify,
  UnsecuredJWT,
  type JWTClaimVerificationOptions,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import { substituteNamedValues, type CompiledValue } from '../../expressions/compile-expression.js';
import { PipelineCompileError } from '../../pipeline/pipeline-compile-error.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { KeyRing, SigningKey } from './key-ring.js';
import { KeysUnavailable, openIdKeySets, type OpenIdKeySet } from './openid-key-sets.js';
import type { ValidateJwtConfig } from './schema.js';

/** Why a token was refused (`context.lastError.reason`): Azure's validate-jwt reasons, kebab-cased. */
export const JwtReason = {
  notPresent: 'token-not-present',
  schemeNotAllowed: 'token-scheme-not-allowed',
  invalid: 'token-invalid',
  notSigned: 'token-not-signed',
  signatureInvalid: 'token-signature-invalid',
  decryptionFailed: 'token-decryption-failed',
  expired: 'token-expired',
  notYetValid: 'token-not-yet-valid',
  expirationNotPresent: 'token-expiration-not-present',
  audienceNotAllowed: 'token-audience-not-allowed',
  issuerNotAllowed: 'token-issuer-not-allowed',
  claimNotFound: 'token-claim-not-found',
  claimValueNotAllowed: 'token-claim-value-not-allowed',
  keysUnavailable: 'signing-keys-unavailable',
} as const;
export type JwtReason = (typeof JwtReason)[keyof typeof JwtReason];

const MESSAGES: Record<JwtReason, string> = {
  'token-not-present': 'JWT not present.',
  'token-scheme-not-allowed': 'JWT not sent with the required authorization scheme.',
  'token-invalid': 'JWT is malformed.',
  'token-not-signed': 'JWT is not signed.',
  'token-signature-invalid': 'JWT signature is invalid.',
  'token-decryption-failed': 'JWT could not be decrypted.',
  'token-expired': 'JWT has expired.',
  'token-not-yet-valid': 'JWT is not valid yet.',
  'token-expiration-not-present': 'JWT has no expiration time.',
  'token-audience-not-allowed': 'JWT audience is not allowed.',
  'token-issuer-not-allowed': 'JWT issuer is not allowed.',
  'token-claim-not-found': 'JWT lacks a required claim.',
  'token-claim-value-not-allowed': 'JWT claim value is not allowed.',
  'signing-keys-unavailable': 'JWT cannot be validated: the signing keys of the identity provider are unavailable.',
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface Verified {
  readonly header: ProtectedHeaderParameters;
  readonly payload: JWTPayload;
}
type Verdict = Verified | JwtReason;

function classify(error: unknown): JwtReason {
  if (error instanceof errors.JWTExpired) return JwtReason.expired;
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return JwtReason.notYetValid;
      case 'aud':
        return JwtReason.audienceNotAllowed;
      case 'iss':
        return JwtReason.issuerNotAllowed;
      case 'exp':
        return error.reason === 'missing' ? JwtReason.expirationNotPresent : JwtReason.expired;
    }
    return JwtReason.invalid;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return JwtReason.signatureInvalid;
  return JwtReason.invalid;
}

// A claim's values as strings: arrays item by item, a string split by the separator when one is given.
function claimValues(value: unknown, separator: string | undefined): string[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const out: string[] = [];
  for (const item of items) {
    const text = typeof item === 'string' ? item : JSON.stringify(item);
    if (separator === undefined) out.push(text);
    else for (const part of text.split(separator)) if (part !== '') out.push(part);
  }
  return out;
}

/** What `output-token-variable-name` receives: Azure's Jwt object, camel-cased, for expressions. */
function tokenObject(verified: Verified): Record<string, unknown> {
  const { header, payload } = verified;
  const object: Record<string, unknown> = {
    algorithm: header.alg ?? 'none',
    audiences: payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud],
    claims: new Map(Object.entries(payload)),
  };
  if (payload.jti !== undefined) object.id = payload.jti;
  if (payload.iss !== undefined) object.issuer = payload.iss;
  if (payload.sub !== undefined) object.subject = payload.sub;
  if (header.typ !== undefined) object.type = header.typ;
  if (payload.exp !== undefined) object.expirationTime = payload.exp;
  if (payload.nbf !== undefined) object.notBefore = payload.nbf;
  if (payload.iat !== undefined) object.issuedAt = payload.iat;
  return object;
}

function compileSecret(text: string, deps: StatementDeps, field: string): Uint8Array {
  const value = substituteNamedValues(text, deps.namedValues);
  if (!BASE64.test(value)) throw new PipelineCompileError(`${deps.path} validate-jwt: ${field}: expected a base64 key`);
  return Buffer.from(value, 'base64');
}

function noCertificates(deps: StatementDeps, field: string): PipelineCompileError {
  return new PipelineCompileError(
    `${deps.path} validate-jwt: ${field}: certificates are not part of the gateway configuration yet; give the key inline`,
  );
}

/**
 * validate-jwt: takes a token from a header (require-scheme checks the scheme, e.g. Bearer), a
 * query parameter or an expression, and accepts it only if its signature verifies with an inline
 * key or one of an OpenID provider's published keys (openid-config: discovery document, then
 * JWKS, cached per URL for the process and refreshed as keys rotate), it is within its lifetime
 * (exp required unless require-expiration-time is false; clock-skew seconds of tolerance), its
 * audience and issuer are allowed and it carries the required claims. Encrypted tokens (JWE) are
 * decrypted with decryption-keys first. Otherwise the call is refused with
 * failed-validation-httpcode (401) and on-error runs with lastError.reason saying why
 * (token-expired, token-audience-not-allowed…; signing-keys-unavailable when the provider could
 * not be reached). Accepted claims become `jwt` for expressions, and the token object the
 * output-token-variable-name variable. Without `issuers`, tokens from an OpenID provider must
 * carry the issuer its discovery document names.
 *
 * @example createValidateJwt({ 'header-name': 'Authorization', 'require-scheme': 'Bearer', 'openid-config': [{ url: 'https://login.example.com/.well-known/openid-configuration' }], audiences: ['api://orders'], … }, deps)
 */
export function createValidateJwt(config: ValidateJwtConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'validate-jwt', path: deps.path };
  const where = `${deps.path} validate-jwt`;
  const status = config['failed-validation-httpcode'];

  const inlineKeys: SigningKey[] = [];
  (config['issuer-signing-keys'] ?? []).forEach((key, index) => {
    const field = `issuer-signing-keys[${index}]`;
    if (key['certificate-id'] !== undefined) throw noCertificates(deps, `${field}.certificate-id`);
    if (key.value !== undefined) inlineKeys.push(SigningKey.secret(compileSecret(key.value, deps, `${field}.value`), key.id));
    else {
      const jwk = SigningKey.publicJwk({ kty: 'RSA', n: key.n, e: key.e, ...(key.id === undefined ? {} : { kid: key.id }) });
      if (jwk !== undefined) inlineKeys.push(jwk);
    }
  });
  const inline = inlineKeys.length === 0 ? undefined : new KeyRing(inlineKeys);
  const decryptionKeys = (config['decryption-keys'] ?? []).map((key, index) => {
    const field = `decryption-keys[${index}]`;
    if (key['certificate-id'] !== undefined) throw noCertificates(deps, `${field}.certificate-id`);
    return { kid: key.id, secret: compileSecret(key.value!, deps, `${field}.value`) };
  });

  const keySets = deps.services.get(openIdKeySets);
  const remote: OpenIdKeySet[] = (config['openid-config'] ?? []).map(({ url }) => {
    const set = keySets.get(url);
    set.useLogger(deps.logger);
    // Fetched now, in the background, so the first token rarely waits; failures are retried on use.
    const first = set.keys();
    if (first instanceof Promise) first.catch(() => undefined);
    return set;
  });

  const requireSigned = config['require-signed-tokens'];
  const audiences = (config.audiences ?? []).map((audience) => deps.expressions.string(audience, site));
  const constantAudiences = audiences.every((audience) => audience.constant !== undefined)
    ? audiences.map((audience) => audience.constant!)
    : undefined;
  const baseOptions: JWTClaimVerificationOptions = {
    clockTolerance: config['clock-skew'],
    requiredClaims: config['require-expiration-time'] ? ['exp'] : [],
  };
  const requiredClaims = config['required-claims'] ?? [];
  const outputVariable = config['output-token-variable-name'];

  const message =
    config['failed-validation-error-message'] === undefined
      ? undefined
      : deps.expressions.string(config['failed-validation-error-message'], site);
  const refusals = new Map<JwtReason, PolicyError>();
  for (const reason of Object.values(JwtReason)) {
    const text = message === undefined ? MESSAGES[reason] : message.constant;
    if (text !== undefined) refusals.set(reason, new PolicyError('validate-jwt', reason, status, text, where));
  }
  const refuse = (reason: JwtReason, ctx: PolicyContext): PolicyError =>
    refusals.get(reason) ??
    new PolicyError('validate-jwt', reason, status, (message as CompiledValue<string>).evaluate(ctx), where);

  const tokenOf = tokenSource(config, deps);

  function claimOptions(ctx: PolicyContext): JWTClaimVerificationOptions {
    const options: JWTClaimVerificationOptions = { ...baseOptions };
    if (audiences.length > 0) options.audience = constantAudiences ?? audiences.map((audience) => audience.evaluate(ctx));
    if (config.issuers !== undefined) options.issuer = config.issuers;
    else if (remote.length > 0) {
      const issuers: string[] = [];
      for (const set of remote) if (set.issuer !== undefined) issuers.push(set.issuer);
      if (issuers.length > 0) options.issuer = issuers;
    }
    return options;
  }

  function checkClaims(payload: JWTPayload): JwtReason | undefined {
    for (const claim of requiredClaims) {
      const value = payload[claim.name];
      if (value === undefined || value === null) return JwtReason.claimNotFound;
      if (claim.value === undefined || claim.value.length === 0) continue;
      const held = claimValues(value, claim.separator);
      const found =
        claim.match === 'all' ? claim.value.every((v) => held.includes(v)) : claim.value.some((v) => held.includes(v));
      if (!found) return JwtReason.claimValueNotAllowed;
    }
    return undefined;
  }

  /** The keys that may verify `alg`/`kid` now; `unavailable` when a provider's keys are missing. */
  async function candidates(alg: string, kid: string | undefined, refresh: boolean) {
    const keys: SigningKey[] = [];
    let idMatched = inline?.collect(alg, kid, keys) ?? false;
    let unavailable: string | undefined;
    for (const set of remote) {
      try {
        const pending = refresh ? set.refreshForUnknownKid() : undefined;
        const ring = await (pending ?? set.keys());
        if (ring.collect(alg, kid, keys)) idMatched = true;
      } catch (error) {
        if (!(error instanceof KeysUnavailable)) throw error;
        unavailable = error.message;
      }
    }
    return { keys, idMatched, unavailable };
  }

  async function tryKeys(
    token: string,
    alg: string,
    keys: readonly SigningKey[],
    ctx: PolicyContext,
  ): Promise<Verdict | undefined> {
    const options = { ...claimOptions(ctx), algorithms: [alg] };
    for (const key of keys) {
      let material;
      try {
        material = await key.key(alg);
      } catch {
        continue;
      }
      try {
        const { payload, protectedHeader } = await jwtVerify(token, material, options);
        return { header: protectedHeader, payload };
      } catch (error) {
        if (error instanceof errors.JWSSignatureVerificationFailed) continue;
        return classify(error);
      }
    }
    return undefined;
  }

  async function verifySigned(token: string, ctx: PolicyContext): Promise<Verdict> {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return JwtReason.invalid;
    }
    const alg = header.alg;
    if (alg === undefined || alg === 'none') {
      if (requireSigned) return JwtReason.notSigned;
      try {
        const { payload, header: unsecured } = UnsecuredJWT.decode(token, claimOptions(ctx));
        return { header: unsecured, payload };
      } catch (error) {
        return classify(error);
      }
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    let found = await candidates(alg, kid, false);
    let verdict = await tryKeys(token, alg, found.keys, ctx);
    // An unknown kid: the provider may have rotated its keys since they were fetched.
    if (verdict === undefined && kid !== undefined && !found.idMatched && remote.length > 0) {
      found = await candidates(alg, kid, true);
      verdict = await tryKeys(token, alg, found.keys, ctx);
    }
    if (verdict !== undefined) return verdict;
    return found.keys.length === 0 && found.unavailable !== undefined ? JwtReason.keysUnavailable : JwtReason.signatureInvalid;
  }

  async function verifyEncrypted(token: string, ctx: PolicyContext): Promise<Verdict> {
    if (decryptionKeys.length === 0) return JwtReason.invalid;
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return JwtReason.invalid;
    }
    for (const key of decryptionKeys) {
      if (kid !== undefined && key.kid !== undefined && key.kid !== kid) continue;
      let decrypted;
      try {
        decrypted = await compactDecrypt(token, key.secret);
      } catch {
        continue;
      }
      // A nested JWT (RFC 7519 §5.2, cty "JWT") is signed inside: verify it as any signed token.
      if (decrypted.protectedHeader.cty?.toUpperCase() === 'JWT') {
        return verifySigned(Buffer.from(decrypted.plaintext).toString('utf8'), ctx);
      }
      if (requireSigned) return JwtReason.notSigned;
      try {
        const { payload, protectedHeader } = await jwtDecrypt(token, key.secret, claimOptions(ctx));
        return { header: protectedHeader, payload };
      } catch (error) {
        return classify(error);
      }
    }
    return JwtReason.decryptionFailed;
  }

  function accept(ctx: PolicyContext, verified: Verified): Outcome {
    const failed = checkClaims(verified.payload);
    if (failed !== undefined) throw refuse(failed, ctx);
    ctx.jwt = new Map(Object.entries(verified.payload));
    if (outputVariable !== undefined) ctx.variables.set(outputVariable, tokenObject(verified));
    return Outcome.continue;
  }

  return function validateJwt(ctx) {
    const token = tokenOf(ctx);
    if (token === JwtReason.notPresent || token === JwtReason.schemeNotAllowed) throw refuse(token, ctx);
    // Compact JWE has five parts (RFC 7516 §7.1), JWS three.
    const encrypted = token.split('.', 6).length === 5;
    return (encrypted ? verifyEncrypted(token, ctx) : verifySigned(token, ctx)).then((verdict) => {
      if (typeof verdict === 'string') throw refuse(verdict, ctx);
      return accept(ctx, verdict);
    });
  };
}

type TokenReader = (ctx: PolicyContext) => string;

/** Where the token is read from; returns it, or why there is none. */
function tokenSource(config: ValidateJwtConfig, deps: StatementDeps): TokenReader {
  const headerName = config['header-name'];
  if (headerName !== undefined) {
    const scheme = config['require-scheme']?.toLowerCase();
    return (ctx) => {
      const value = ctx.request.headers.first(headerName)?.trim();
      if (value === undefined || value === '') return JwtReason.notPresent;
      const space = value.indexOf(' ');
      if (scheme !== undefined) {
        if (space === -1 || value.slice(0, space).toLowerCase() !== scheme) return JwtReason.schemeNotAllowed;
      }
      // Without require-scheme a token may still come as "Bearer <token>", as Azure accepts.
      const token = space === -1 ? value : value.slice(space + 1).trim();
      return token === '' ? JwtReason.notPresent : token;
    };
  }
  const queryName = config['query-parameter-name'];
  if (queryName !== undefined) {
    return (ctx) => {
      const value = ctx.request.query.first(queryName);
      return value === undefined || value === '' ? JwtReason.notPresent : value;
    };
  }
  const expression = deps.expressions.string(config['token-value']!, { policy: 'validate-jwt', path: deps.path });
  return (ctx) => {
    const value = expression.evaluate(ctx).trim();
    return value === '' ? JwtReason.notPresent : value;
  };
}
