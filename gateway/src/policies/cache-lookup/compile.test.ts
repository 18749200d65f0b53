import { describe, expect, it } from 'vitest';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runExchange, type TestDocument, type TestOptions } from '../../pipeline/testing.js';
import type { PolicyRequestInit } from '../../pipeline/policy-context.js';
import { PolicyCache, policyCacheKey } from '../policy-cache.js';

type Backend = Partial<NonNullable<TestOptions['backendResponse']>>;

/** A cache on a fake clock and an exchange runner sharing it, as one gateway process would. */
function gateway(lookup: Record<string, unknown> = {}, store: Record<string, unknown> = { duration: 60 }) {
  const clock = { now: 1_000_000 };
  const services = new PolicyServices();
  const cache = new PolicyCache({ now: () => clock.now });
  services.set(policyCacheKey, cache);
  const document: TestDocument = {
    inbound: [{ 'cache-lookup': { 'vary-by-developer': false, 'vary-by-developer-groups': false, ...lookup } }],
    outbound: [{ 'cache-store': store }, { 'set-header': { name: 'x-outbound', value: ['ran'] } }],
  };
  let calls = 0;
  return {
    clock,
    cache,
    get backendCalls() {
      return calls;
    },
    async send(request: Partial<PolicyRequestInit> = {}, backend: Backend = {}, options: TestOptions = {}) {
      const ctx = await runExchange(document, request, {
        ...options,
        services,
        backendResponse: { body: `answer ${calls + 1}`, ...backend, status: backend.status ?? 200 },
      });
      // The backend answered unless cache-lookup did.
      if (ctx.response?.headers.has('x-outbound')) calls++;
      return ctx;
    },
  };
}

const body = (ctx: Awaited<ReturnType<typeof runExchange>>) => ctx.response?.body?.toString();

describe('cache-lookup and cache-store at run time', () => {
  it('answers a repeated GET from the cache without the backend, for the stored duration', async () => {
    const gw = gateway({}, { duration: 30 });
    const miss = await gw.send({ path: '/rates' }, { headers: ['Content-Type', 'application/json'] });
    expect(body(miss)).toBe('answer 1');
    expect(miss.response?.headers.get('cache-control')).toEqual(['no-store']);

    gw.clock.now += 10_000;
    const hit = await gw.send({ path: '/rates' });
    expect(gw.backendCalls).toBe(1);
    expect(hit.response?.status).toBe(200);
    expect(body(hit)).toBe('answer 1');
    expect(hit.response?.headers.get('content-type')).toEqual(['application/json']);
    expect(hit.response?.headers.get('age')).toEqual(['10']);
    // A hit ends the exchange: outbound statements do not run on it.
    expect(hit.response?.headers.has('x-outbound')).toBe(false);

    gw.clock.now += 20_000;
    expect(body(await gw.send({ path: '/rates' }))).toBe('answer 2');
    expect(gw.backendCalls).toBe(2);
  });

  it('stores only 200 responses unless cache-response says otherwise', async () => {
    const gw = gateway();
    await gw.send({}, { status: 404 });
    await gw.send({}, { status: 404 });
    expect(gw.backendCalls).toBe(2);

    const forced = gateway({}, { duration: 60, 'cache-response': '@(response.status == 404)' });
    await forced.send({}, { status: 404 });
    expect((await forced.send()).response?.status).toBe(404);
    expect(forced.backendCalls).toBe(1);
  });

  it('caches GET only, answers HEAD from the GET entry and never stores a HEAD answer', async () => {
    const gw = gateway();
    await gw.send({ method: 'POST' });
    await gw.send({ method: 'POST' });
    expect(gw.backendCalls).toBe(2);

    await gw.send({ method: 'HEAD' }, { body: '' });
    expect(body(await gw.send({ method: 'GET' }))).toBe('answer 4');
    const head = await gw.send({ method: 'HEAD' });
    expect(gw.backendCalls).toBe(4);
    expect(body(head)).toBe('answer 4');
  });

  it('skips requests with Authorization unless allow-private-response-caching is true', async () => {
    const headers = ['Authorization', 'Bearer a'];
    const gw = gateway();
    await gw.send({ headers });
    await gw.send({ headers });
    expect(gw.backendCalls).toBe(2);

    const allowed = gateway({ 'allow-private-response-caching': true, 'vary-by-header': ['Authorization'] });
    await allowed.send({ headers });
    await allowed.send({ headers });
    await allowed.send({ headers: ['Authorization', 'Bearer b'] });
    expect(allowed.backendCalls).toBe(2);
  });

  it('keys by the whole query by default, in any order, and only by the listed parameters when given', async () => {
    const gw = gateway();
    await gw.send({ query: 'a=1&b=2' });
    await gw.send({ query: 'b=2&a=1' });
    await gw.send({ query: 'a=1&b=3' });
    expect(gw.backendCalls).toBe(2);

    const listed = gateway({ 'vary-by-query-parameter': ['page'] });
    await listed.send({ query: 'page=1&nonce=x' });
    expect(body(await listed.send({ query: 'nonce=y&page=1' }))).toBe('answer 1');
    expect(body(await listed.send({ query: 'page=2' }))).toBe('answer 2');
    // An absent parameter differs from an empty one.
    await listed.send({ query: 'page=' });
    await listed.send({});
    expect(listed.backendCalls).toBe(4);
  });

  it('varies by the listed headers and names them in Vary', async () => {
    const gw = gateway({ 'vary-by-header': ['Accept'] });
    const json = await gw.send({ headers: ['Accept', 'application/json'] }, { headers: ['Vary', 'Accept-Encoding'] });
    expect(json.response?.headers.get('vary')).toEqual(['Accept-Encoding, Accept']);
    await gw.send({ headers: ['Accept', 'application/xml'] });
    const again = await gw.send({ headers: ['accept', 'application/json'] });
    expect(gw.backendCalls).toBe(2);
    expect(body(again)).toBe('answer 1');
    expect(again.response?.headers.get('vary')).toEqual(['Accept-Encoding, Accept']);
  });

  it("honours the backend's Vary for request headers vary-by-header does not list", async () => {
    const gw = gateway();
    await gw.send({ headers: ['Accept-Language', 'en'] }, { headers: ['Vary', 'Accept-Language'] });
    expect(body(await gw.send({ headers: ['Accept-Language', 'en'] }))).toBe('answer 1');
    expect(body(await gw.send({ headers: ['Accept-Language', 'fr'] }))).toBe('answer 2');
    expect(gw.backendCalls).toBe(2);
  });

  it('does not store what the backend marks no-store, private or no-cache, nor Set-Cookie or Vary: *', async () => {
    for (const headers of [
      ['Cache-Control', 'no-store'],
      ['Cache-Control', 'max-age=60, Private'],
      ['Cache-Control', 'no-cache'],
      ['Set-Cookie', 'session=1'],
      ['Vary', '*'],
    ]) {
      const gw = gateway();
      await gw.send({}, { headers });
      await gw.send({}, { headers });
      expect(gw.backendCalls, headers.join(': ')).toBe(2);
    }
  });

  it('sends the downstream Cache-Control, with max-age counting down on hits', async () => {
    const gw = gateway({ 'downstream-caching-type': 'private', 'must-revalidate': false }, { duration: 120 });
    const miss = await gw.send({}, { headers: ['Cache-Control', 'public, max-age=5'] });
    expect(miss.response?.headers.get('cache-control')).toEqual(['private, max-age=120']);
    gw.clock.now += 30_500;
    expect((await gw.send()).response?.headers.get('cache-control')).toEqual(['private, max-age=89']);

    const shared = gateway({ 'downstream-caching-type': 'public' }, { duration: 60 });
    expect((await shared.send()).response?.headers.get('cache-control')).toEqual(['public, max-age=60, must-revalidate']);
  });

  it('keeps separate entries per API, operation, product, path and developer', async () => {
    const gw = gateway({ 'vary-by-developer': true, 'vary-by-developer-groups': true });
    const api = (id: string) => ({ id, name: id, path: id, type: 'http', version: '', revision: '1', serviceUrl: '' });
    const operation = (id: string) => ({ id, name: id, method: 'GET', urlTemplate: '/' });
    const user = (id: string, groups: string[]) => ({ id, email: '', firstName: '', lastName: '', groups });
    const exchanges: Array<[Partial<PolicyRequestInit>, TestOptions['context']]> = [
      [{}, { api: api('api_a'), operation: operation('op_1') }],
      [{}, { api: api('api_b'), operation: operation('op_1') }],
      [{}, { api: api('api_a'), operation: operation('op_2') }],
      [{ path: '/other' }, { api: api('api_a'), operation: operation('op_1') }],
      [{}, { api: api('api_a'), operation: operation('op_1'), user: user('usr_1', ['a', 'b']) }],
      [{}, { api: api('api_a'), operation: operation('op_1'), user: user('usr_2', ['b', 'a']) }],
    ];
    for (const [request, context] of exchanges) await gw.send(request, {}, { context });
    expect(gw.backendCalls).toBe(exchanges.length);
    for (const [request, context] of exchanges) await gw.send(request, {}, { context });
    expect(gw.backendCalls).toBe(exchanges.length);
  });

  it('stores nothing when the body was not buffered', async () => {
    const gw = gateway();
    const document: TestDocument = {
      inbound: [{ 'cache-lookup': { 'vary-by-developer': false, 'vary-by-developer-groups': false } }],
      outbound: [{ 'cache-store': { duration: 60 } }],
    };
    const services = new PolicyServices();
    services.set(policyCacheKey, gw.cache);
    await runExchange(document, {}, { services, backendResponse: { status: 200 } });
    expect(gw.cache.size).toBe(0);
  });

  it('fails the statement when downstream-caching-type evaluates to something else', async () => {
    const gw = gateway({ 'downstream-caching-type': '@(request.headers[?"x-mode"].orValue("none"))' });
    const ctx = await gw.send({ headers: ['x-mode', 'shared'] });
    expect(ctx.lastError).toMatchObject({ source: 'cache-lookup', reason: 'expression-failed' });
    expect(ctx.response?.status).toBe(500);
  });
});
