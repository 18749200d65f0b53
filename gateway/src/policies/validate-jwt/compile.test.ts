import { CompactEncrypt, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import type { PolicyRequestInit } from '../../pipeline/policy-context.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runSection, type PolicyPipeline } from '../../pipeline/run-pipeline.js';
import { compileTestPipeline, pipelineOf, runInbound, testContext, testDeps } from '../../pipeline/testing.js';
import { OpenIdKeySets, openIdKeySets } from './openid-key-sets.js';
import { startTestIdentityProvider, type TestIdentityProvider } from './test-identity-provider.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const secretKey = { value: SECRET.toString('base64') };
const now = () => Math.floor(Date.now() / 1000);

function hs256(claims: JWTPayload, secret: Uint8Array = SECRET): Promise<string> {
  return new SignJWT({ exp: now() + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
}

const jwt = (config: Record<string, unknown>, after: Record<string, unknown>[] = []) => ({
  inbound: [{ 'validate-jwt': { 'header-name': 'Authorization', 'issuer-signing-keys': [secretKey], ...config } }, ...after],
});
const bearer = (token: string): Partial<PolicyRequestInit> => ({ headers: ['Authorization', `Bearer ${token}`] });

async function reason(config: Record<string, unknown>, request: Partial<PolicyRequestInit>): Promise<string | undefined> {
  return (await runInbound(jwt(config), request)).lastError?.reason;
}

describe('validate-jwt with inline keys', () => {
  it('accepts a valid token and exposes its claims as jwt and the token variable', async () => {
    const token = await hs256({ sub: 'alice', aud: 'api://orders', scp: 'orders.read orders.write' });
    const ctx = await runInbound(
      jwt({ 'require-scheme': 'Bearer', audiences: ['api://orders'], 'output-token-variable-name': 'token' }, [
        { 'set-header': { name: 'x-user', value: ['@(jwt["sub"])'] } },
      ]),
      bearer(token),
    );
    expect(ctx.lastError).toBeUndefined();
    expect(ctx.jwt?.get('sub')).toBe('alice');
    expect(ctx.request.headers.first('x-user')).toBe('alice');
    expect(ctx.variables.get('token')).toMatchObject({ algorithm: 'HS256', subject: 'alice', audiences: ['api://orders'] });
  });

  it('refuses a missing token or scheme with 401 and the reason in lastError', async () => {
    const ctx = await runInbound(jwt({}), {});
    expect(ctx.response?.status).toBe(401);
    expect(ctx.lastError).toEqual({
      source: 'validate-jwt',
      reason: 'token-not-present',
      message: 'JWT not present.',
      policy: 'inbound[0] validate-jwt',
    });
    const token = await hs256({});
    expect(await reason({ 'require-scheme': 'Bearer' }, { headers: ['Authorization', token] })).toBe('token-scheme-not-allowed');
    expect(await reason({ 'require-scheme': 'Bearer' }, { headers: ['Authorization', `bearer ${token}`] })).toBeUndefined();
    expect(await reason({}, { headers: ['Authorization', token] })).toBeUndefined();
  });

  it('checks the lifetime, with clock-skew tolerance', async () => {
    const expired = await hs256({ exp: now() - 30 });
    expect(await reason({}, bearer(expired))).toBe('token-expired');
    expect(await reason({ 'clock-skew': 60 }, bearer(expired))).toBeUndefined();
    expect(await reason({}, bearer(await hs256({ nbf: now() + 300 })))).toBe('token-not-yet-valid');
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(SECRET);
    expect(await reason({}, bearer(forever))).toBe('token-expiration-not-present');
    expect(await reason({ 'require-expiration-time': false }, bearer(forever))).toBeUndefined();
  });

  it('checks audiences (literal or computed) and issuers', async () => {
    const token = await hs256({ aud: ['api://orders', 'api://other'], iss: 'https://issuer.example' });
    expect(await reason({ audiences: ['api://billing'] }, bearer(token))).toBe('token-audience-not-allowed');
    expect(await reason({ audiences: ['api://billing', 'api://orders'] }, bearer(token))).toBeUndefined();
    expect(
      await reason(
        { audiences: ['@("api://" + request.headers["x-api"])'] },
        { ...bearer(token), headers: ['Authorization', `Bearer ${token}`, 'x-api', 'other'] },
      ),
    ).toBeUndefined();
    expect(await reason({ issuers: ['https://evil.example'] }, bearer(token))).toBe('token-issuer-not-allowed');
    expect(await reason({ issuers: ['https://issuer.example'] }, bearer(token))).toBeUndefined();
  });

  it('requires claims, with any/all matching and a separator for multi-valued strings', async () => {
    const token = await hs256({ scp: 'orders.read orders.write', roles: ['admin', 'ops'] });
    const claims = (required: Record<string, unknown>[]) => reason({ 'required-claims': required }, bearer(token));
    expect(await claims([{ name: 'tid' }])).toBe('token-claim-not-found');
    expect(await claims([{ name: 'scp', separator: ' ', match: 'all', value: ['orders.read', 'orders.write'] }])).toBeUndefined();
    expect(await claims([{ name: 'scp', separator: ' ', match: 'all', value: ['orders.read', 'orders.admin'] }])).toBe(
      'token-claim-value-not-allowed',
    );
    expect(await claims([{ name: 'scp', separator: ' ', match: 'any', value: ['orders.admin', 'orders.read'] }])).toBeUndefined();
    expect(await claims([{ name: 'scp', value: ['orders.read'] }])).toBe('token-claim-value-not-allowed');
    expect(await claims([{ name: 'roles', match: 'any', value: ['ops'] }])).toBeUndefined();
  });

  it('refuses a bad signature, a malformed token and an unsigned one unless unsigned tokens are allowed', async () => {
    expect(await reason({}, bearer(await hs256({}, Buffer.from('another-secret-another-secret-00'))))).toBe(
      'token-signature-invalid',
    );
    expect(await reason({}, bearer('not.a.token'))).toBe('token-invalid');
    const unsigned = new UnsecuredJWT({ sub: 'x', exp: now() + 60 }).encode();
    expect(await reason({}, bearer(unsigned))).toBe('token-not-signed');
    const lax = { 'header-name': 'Authorization', 'require-signed-tokens': false };
    const ctx = await runInbound({ inbound: [{ 'validate-jwt': lax }] }, bearer(unsigned));
    expect(ctx.lastError).toBeUndefined();
    expect(ctx.jwt?.get('sub')).toBe('x');
  });

  it('verifies with an inline RSA key given as modulus and exponent, matched by kid', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const { n, e } = await exportJWK(publicKey);
    const token = await new SignJWT({ exp: now() + 60 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    expect(await reason({ 'issuer-signing-keys': [{ id: 'k1', n, e }] }, bearer(token))).toBeUndefined();
    expect(await reason({ 'issuer-signing-keys': [{ id: 'k2', n, e }] }, bearer(token))).toBe('token-signature-invalid');
    // An RSA-signed token is never checked against a secret (no algorithm confusion).
    expect(await reason({}, bearer(token))).toBe('token-signature-invalid');
  });

  it('reads the token from a query parameter or an expression', async () => {
    const token = await hs256({ sub: 'q' });
    const query = { 'query-parameter-name': 'access_token', 'issuer-signing-keys': [secretKey] };
    expect(
      (await runInbound({ inbound: [{ 'validate-jwt': query }] }, { query: `access_token=${token}` })).lastError,
    ).toBeUndefined();
    const value = { 'token-value': '@(request.headers["x-token"])', 'issuer-signing-keys': [secretKey] };
    expect(
      (await runInbound({ inbound: [{ 'validate-jwt': value }] }, { headers: ['x-token', token] })).lastError,
    ).toBeUndefined();
    expect((await runInbound({ inbound: [{ 'validate-jwt': value }] }, { headers: ['x-token', ' '] })).lastError?.reason).toBe(
      'token-not-present',
    );
  });

  it('answers with the configured status and message', async () => {
    const config = { 'failed-validation-httpcode': 403, 'failed-validation-error-message': '@("denied " + request.ip)' };
    const ctx = await runInbound(jwt(config), {});
    expect(ctx.response?.status).toBe(403);
    expect(ctx.lastError).toMatchObject({ reason: 'token-not-present', message: 'denied 203.0.113.9' });
  });

  it('decrypts an encrypted token (JWE) holding a signed one', async () => {
    const decryption = Buffer.alloc(32, 7);
    const signed = await hs256({ sub: 'nested' });
    const encrypted = await new CompactEncrypt(new TextEncoder().encode(signed))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(decryption);
    const config = { 'decryption-keys': [{ value: decryption.toString('base64') }] };
    const ctx = await runInbound(jwt(config), bearer(encrypted));
    expect(ctx.lastError).toBeUndefined();
    expect(ctx.jwt?.get('sub')).toBe('nested');
    const wrongKey = { 'decryption-keys': [{ value: Buffer.alloc(32, 8).toString('base64') }] };
    expect(await reason(wrongKey, bearer(encrypted))).toBe('token-decryption-failed');
  });

  it('refuses at compile time keys it cannot use', () => {
    expect(() => compileTestPipeline(jwt({ 'issuer-signing-keys': [{ 'certificate-id': 'cert-1' }] }))).toThrow(
      /issuer-signing-keys\[0\]\.certificate-id: certificates are not part of the gateway configuration/,
    );
    expect(() =>
      compileTestPipeline(jwt({ 'issuer-signing-keys': [{ value: '{{jwt-key}}' }] }), {
        namedValues: { 'jwt-key': 'not base64!' },
      }),
    ).toThrow(/issuer-signing-keys\[0\]\.value: expected a base64 key/);
  });
});

describe('validate-jwt with an OpenID provider', () => {
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startTestIdentityProvider();
  });
  afterAll(async () => {
    await idp.close();
  });

  function setup(options: { now?: () => number } = {}) {
    const services = new PolicyServices();
    const keySets = new OpenIdKeySets({ dispatcher: idp.dispatcher, ...options });
    services.set(openIdKeySets, keySets);
    const compile = (config: Record<string, unknown> = {}) =>
      compilePolicyPipeline(
        pipelineOf({
          inbound: [
            { 'validate-jwt': { 'header-name': 'Authorization', 'openid-config': [{ url: idp.discoveryUrl }], ...config } },
          ],
        }),
        testDeps({ services }),
      );
    return { services, keySets, compile };
  }

  async function check(pipeline: PolicyPipeline, token: string) {
    const ctx = testContext(bearer(token));
    await runSection(pipeline, 'inbound', ctx);
    return ctx;
  }

  it('fetches the discovery document then the JWKS once, shared by statements, and enforces the provider’s issuer', async () => {
    const { compile } = setup();
    const before = { ...idp.hits };
    const first = compile();
    const second = compile({ audiences: ['api://orders'] });
    expect((await check(first, await idp.sign({ sub: 'a' }))).lastError).toBeUndefined();
    expect((await check(second, await idp.sign({ aud: 'api://orders' }))).lastError).toBeUndefined();
    expect(idp.hits.discovery - before.discovery).toBe(1);
    expect(idp.hits.jwks - before.jwks).toBe(1);
    expect((await check(first, await idp.sign({ iss: 'https://elsewhere.example' }))).lastError?.reason).toBe(
      'token-issuer-not-allowed',
    );
  });

  it('refetches the keys when a token names an unknown kid (rotation), at most once per cooldown', async () => {
    const clock = { ms: 0 };
    const { compile } = setup({ now: () => clock.ms });
    const pipeline = compile();
    expect((await check(pipeline, await idp.sign())).lastError).toBeUndefined();
    const fetched = idp.hits.jwks;
    clock.ms = 60_000;
    await idp.rotate();
    const rotated = await check(pipeline, await idp.sign());
    expect(rotated.lastError).toBeUndefined();
    expect(idp.hits.jwks).toBe(fetched + 1);
    // A flood of made-up kids within the cooldown does not reach the provider.
    for (let i = 0; i < 5; i++) {
      const bogus = await check(pipeline, await idp.sign({}, { kid: `bogus-${i}` }));
      expect(bogus.lastError?.reason).toBe('token-signature-invalid');
    }
    expect(idp.hits.jwks).toBe(fetched + 1);
  });

  it('refuses tokens with a clear reason while the provider is unreachable, and recovers', async () => {
    const clock = { ms: 0 };
    const { compile } = setup({ now: () => clock.ms });
    idp.failing = true;
    try {
      const pipeline = compile();
      const ctx = await check(pipeline, await idp.sign());
      expect(ctx.response?.status).toBe(401);
      expect(ctx.lastError).toMatchObject({ source: 'validate-jwt', reason: 'signing-keys-unavailable' });
      const attempts = idp.hits.discovery;
      // Within the retry delay, refusals are immediate and the provider is left alone.
      await check(pipeline, await idp.sign());
      expect(idp.hits.discovery).toBe(attempts);
      idp.failing = false;
      clock.ms = 11_000;
      expect((await check(pipeline, await idp.sign())).lastError).toBeUndefined();
    } finally {
      idp.failing = false;
    }
  });

  it('gives up on a provider that does not answer within the fetch timeout', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const { Agent } = await import('undici');
    const agent = new Agent();
    const services = new PolicyServices();
    services.set(
      openIdKeySets,
      new OpenIdKeySets({
        fetchTimeoutMs: 200,
        dispatcher: agent.compose(
          (dispatch) => (options, handler) => dispatch({ ...options, origin: `http://127.0.0.1:${port}` }, handler),
        ),
      }),
    );
    try {
      const pipeline = compilePolicyPipeline(
        pipelineOf({
          inbound: [
            {
              'validate-jwt': {
                'header-name': 'Authorization',
                'openid-config': [{ url: 'https://slow.test/.well-known/openid-configuration' }],
              },
            },
          ],
        }),
        testDeps({ services }),
      );
      const ctx = await check(pipeline, await idp.sign());
      expect(ctx.lastError?.reason).toBe('signing-keys-unavailable');
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await services.close();
      await agent.close();
    }
  });
});
