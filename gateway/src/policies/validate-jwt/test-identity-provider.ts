import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { Agent, type Dispatcher } from 'undici';

/**
 * For tests: an OpenID provider on 127.0.0.1 serving a discovery document and a JWKS, and
 * signing tokens with its current key. Its URLs are https://idp.test/… as configs require;
 * `dispatcher` sends those to the local server over plain HTTP.
 */
export interface TestIdentityProvider {
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly dispatcher: Dispatcher;
  /** Requests served, by document. */
  readonly hits: { discovery: number; jwks: number };
  /** While true, every document is answered 503. */
  failing: boolean;
  /** A token signed with the current key (RS256, its kid), expiring in an hour unless `claims` say otherwise. */
  sign(claims?: JWTPayload, header?: { kid?: string }): Promise<string>;
  /** Replaces the published key with a new one (new kid), as providers rotate. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

let keyCount = 0;

async function newKey(): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `key-${++keyCount}`;
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' } };
}

export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  const issuer = 'https://idp.test/tenant';
  let key = await newKey();
  const hits = { discovery: 0, jwks: 0 };
  const state = { failing: false };
  const server: Server = createServer((req, res) => {
    if (state.failing) {
      res.writeHead(503).end();
      return;
    }
    if (req.url === '/tenant/.well-known/openid-configuration') {
      hits.discovery++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, jwks_uri: 'https://idp.test/tenant/keys' }));
      return;
    }
    if (req.url === '/tenant/keys') {
      hits.jwks++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.jwk, { kty: 'oct', k: 'c2VjcmV0', kid: 'ignored-secret' }] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent();
  const dispatcher = agent.compose((dispatch) => (options, handler) => dispatch({ ...options, origin }, handler));
  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    dispatcher,
    hits,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    sign(claims = {}, header = {}) {
      return new SignJWT({ iss: issuer, exp: Math.floor(Date.now() / 1000) + 3600, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? key.kid })
        .sign(key.privateKey);
    },
    async rotate() {
      key = await newKey();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}
