import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apis, auditLog, backends, configChanges } from '../src/db/schema/index.js';
import { newId } from '../src/lib/ids.js';
import { SecretBox } from '../src/lib/secrets.js';
import { SECRET_MASK } from '../src/modules/backends/backend-credentials.js';
import { TEST_SECRET_KEY, addMember, createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';

describe('backends', () => {
  let h: Harness;
  let owner: SignedUp;
  let workspaceId: string;
  const box = new SecretBox(Buffer.from(TEST_SECRET_KEY, 'hex'));

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Backends', 'backends-owner');
    workspaceId = owner.workspaceId;
  });
  afterAll(() => h.close());

  let counter = 0;
  const unique = (label: string) => `${label} ${++counter}`;
  const create = (input: Record<string, unknown>) =>
    owner.client.call((c) => c.backends.create({ workspaceId, name: unique('backend'), ...input }));
  const rowOf = async (id: string) => (await h.deps.db.select().from(backends).where(eq(backends.id, id)))[0]!;

  describe('create, read, update, delete', () => {
    it('creates a single-URL backend with defaults', async () => {
      const backend = await create({ name: 'Orders', url: 'https://orders.internal.example/v1' });
      expect(backend).toMatchObject({
        id: expect.stringMatching(/^be_/) as string,
        workspaceId,
        name: 'Orders',
        url: 'https://orders.internal.example/v1',
        pool: null,
        loadBalancing: 'round-robin',
        connectTimeoutMs: 5_000,
        requestTimeoutMs: 60_000,
        retry: null,
        circuitBreaker: null,
        credentials: { headers: [], query: [], basic: null, authorization: null, clientCertificate: null },
        tlsVerify: true,
        version: 1,
      });
      await expect(owner.client.call((c) => c.backends.get({ workspaceId, backendId: backend.id }))).resolves.toEqual(backend);
      const changes = await h.deps.db.select().from(configChanges).where(eq(configChanges.entityId, backend.id));
      expect(changes.map((c) => [c.entityType, c.op])).toEqual([['backend', 'upsert']]);
    });

    it('creates a weighted pool with retries and a circuit breaker', async () => {
      const backend = await create({
        pool: [
          { url: 'https://a.example', weight: 3 },
          { url: 'https://b.example', weight: 1, priority: 0 },
        ],
        loadBalancing: 'weighted',
        connectTimeoutMs: 1_000,
        requestTimeoutMs: 30_000,
        retry: { count: 2, intervalMs: 100, maxIntervalMs: 1_000, onStatusCodes: [502, 503], onConnectionError: true },
        circuitBreaker: { failures: 5, windowMs: 10_000, tripMs: 30_000, statusCodes: [500], acceptRetryAfter: true },
        tlsVerify: false,
      });
      expect(backend).toMatchObject({
        url: null,
        pool: [
          { url: 'https://a.example', weight: 3 },
          { url: 'https://b.example', weight: 1, priority: 0 },
        ],
        loadBalancing: 'weighted',
        retry: { count: 2, intervalMs: 100, maxIntervalMs: 1_000, onStatusCodes: [502, 503], onConnectionError: true },
        circuitBreaker: { failures: 5, windowMs: 10_000, tripMs: 30_000, statusCodes: [500], acceptRetryAfter: true },
        tlsVerify: false,
      });
    });

    it('lists the workspace’s backends page by page, and only them', async () => {
      const other = await owner.client.call((c) => c.workspaces.create({ name: 'Other team' }));
      const elsewhere = await owner.client.call((c) =>
        c.backends.create({ workspaceId: other.id, name: 'Elsewhere', url: 'https://elsewhere.example' }),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await owner.client.call((c) => c.backends.list({ workspaceId, limit: 1, ...(cursor ? { cursor } : {}) }));
        expect(page.items.length).toBeLessThanOrEqual(1);
        seen.push(...page.items.map((b) => b.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const all = await h.deps.db.select({ id: backends.id }).from(backends).where(eq(backends.workspaceId, workspaceId));
      expect(seen.sort()).toEqual(all.map((b) => b.id).sort());
      expect(seen).not.toContain(elsewhere.id);
      // Another workspace's backend is not found through this one.
      const error = await errorOf(owner.client.call((c) => c.backends.get({ workspaceId, backendId: elsewhere.id })));
      expect(error.code).toBe('CP_ERR_NOT_FOUND');
    });

    it('updates with the version read, and refuses a stale one', async () => {
      const backend = await create({ url: 'https://before.example' });
      const updated = await owner.client.call((c) =>
        c.backends.update({
          workspaceId,
          backendId: backend.id,
          version: 1,
          name: 'Renamed',
          pool: [{ url: 'https://p1.example' }, { url: 'https://p2.example' }],
          retry: { count: 1, intervalMs: 0 },
        }),
      );
      // Giving a pool replaced the URL.
      expect(updated).toMatchObject({
        name: 'Renamed',
        url: null,
        pool: [{ url: 'https://p1.example' }, { url: 'https://p2.example' }],
      });
      expect(updated.version).toBe(2);

      const stale = await errorOf(
        owner.client.call((c) => c.backends.update({ workspaceId, backendId: backend.id, version: 1, description: 'late' })),
      );
      expect(stale.code).toBe('CP_ERR_VERSION_MISMATCH');

      const back = await owner.client.call((c) =>
        c.backends.update({ workspaceId, backendId: backend.id, version: 2, url: 'https://after.example', retry: null }),
      );
      expect(back).toMatchObject({ url: 'https://after.example', pool: null, retry: null, version: 3 });

      const [audit] = await h.deps.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetId, backend.id), eq(auditLog.action, 'backend.update')))
        .orderBy(auditLog.createdAt)
        .limit(1);
      expect(audit!.diff).toMatchObject({ name: [expect.any(String), 'Renamed'], url: ['https://before.example', null] });
    });

    it('refuses a second backend with the same name in the workspace', async () => {
      await create({ name: 'Payments', url: 'https://payments.example' });
      const error = await errorOf(create({ name: 'Payments', url: 'https://payments-2.example' }));
      expect(error.code).toBe('CP_ERR_CONFLICT');
      expect(error.fields).toEqual({ name: ['Already used in this workspace'] });

      const other = await create({ url: 'https://x.example' });
      const renamed = await errorOf(
        owner.client.call((c) => c.backends.update({ workspaceId, backendId: other.id, version: 1, name: 'Payments' })),
      );
      expect(renamed.code).toBe('CP_ERR_CONFLICT');
      expect(renamed.fields).toEqual({ name: ['Already used in this workspace'] });
    });

    it('deletes a backend no API uses', async () => {
      const backend = await create({ url: 'https://gone.example' });
      await expect(owner.client.call((c) => c.backends.delete({ workspaceId, backendId: backend.id }))).resolves.toEqual({
        ok: true,
      });
      const error = await errorOf(owner.client.call((c) => c.backends.get({ workspaceId, backendId: backend.id })));
      expect(error.code).toBe('CP_ERR_NOT_FOUND');
      const [audit] = await h.deps.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetId, backend.id), eq(auditLog.action, 'backend.delete')));
      expect(audit?.diff).toEqual({ name: [backend.name, null] });
    });

    it('refuses to delete a backend an API uses, naming the API', async () => {
      const backend = await create({ url: 'https://used.example' });
      // Inserted directly: the APIs procedures are another area's.
      const apiId = newId('api');
      await h.deps.db.insert(apis).values({
        id: apiId,
        tenantId: owner.tenantId,
        workspaceId,
        name: 'Shipping',
        path: `shipping-${counter}`,
        backendId: backend.id,
      });
      const error = await errorOf(owner.client.call((c) => c.backends.delete({ workspaceId, backendId: backend.id })));
      expect(error.code).toBe('CP_ERR_CONFLICT');
      expect(error.message).toContain('"Shipping"');
      expect(error.message).toContain(apiId);
      expect(error.fields?.backendId).toEqual([`Used by the API "Shipping" (${apiId})`]);
      expect(await rowOf(backend.id)).toBeDefined();

      await h.deps.db.update(apis).set({ backendId: null }).where(eq(apis.id, apiId));
      await expect(owner.client.call((c) => c.backends.delete({ workspaceId, backendId: backend.id }))).resolves.toEqual({
        ok: true,
      });
    });

    it('lets a workspace reader read but not write', async () => {
      const backend = await create({ url: 'https://read-only.example' });
      const reader = await addMember(h, owner, 'member', { workspaceId, workspaceRole: 'reader' }, 'backend-reader');
      await expect(reader.client.call((c) => c.backends.get({ workspaceId, backendId: backend.id }))).resolves.toMatchObject({
        id: backend.id,
      });
      const error = await errorOf(
        reader.client.call((c) => c.backends.update({ workspaceId, backendId: backend.id, version: 1, name: 'Mine' })),
      );
      expect(error.code).toBe('CP_ERR_FORBIDDEN');
    });
  });

  describe('validation', () => {
    const fieldsOf = async (input: Record<string, unknown>) => {
      const error = await errorOf(create(input));
      expect(error.code).toBe('CP_ERR_VALIDATION');
      return error.fields ?? {};
    };

    it('wants exactly one of url and pool', async () => {
      const both = await fieldsOf({ url: 'https://a.example', pool: [{ url: 'https://b.example' }] });
      expect(both).toEqual({ url: ['Give either url or pool, not both'], pool: ['Give either url or pool, not both'] });
      const neither = await fieldsOf({});
      expect(neither).toEqual({ url: ['Give a url, or a pool of targets'], pool: ['Give a url, or a pool of targets'] });
      const update = await errorOf(
        owner.client.call(async (c) => {
          const backend = await c.backends.create({ workspaceId, name: unique('xor'), url: 'https://xor.example' });
          return c.backends.update({
            workspaceId,
            backendId: backend.id,
            version: 1,
            url: 'https://a.example',
            pool: [{ url: 'https://b.example' }],
          });
        }),
      );
      expect(Object.keys(update.fields ?? {}).sort()).toEqual(['pool', 'url']);
    });

    it.each([
      ['not a URL', 'not a url', 'Expected an absolute http(s) URL such as https://api.example.com/v1'],
      ['a relative path', '/v1/orders', 'Expected an absolute http(s) URL such as https://api.example.com/v1'],
      ['another scheme', 'ftp://files.example', 'Expected an absolute http(s) URL such as https://api.example.com/v1'],
      ['user info', 'https://user:secret@api.example', 'Put user and password in credentials.basic, not in the URL'],
      ['a fragment', 'https://api.example/#top', 'A backend URL has no #fragment'],
    ])('rejects %s as url', async (_name, url, message) => {
      expect(await fieldsOf({ url })).toEqual({ url: [message] });
    });

    it('checks every pool target and names it by index', async () => {
      const fields = await fieldsOf({
        pool: [
          { url: 'https://ok.example', weight: -1 },
          { url: 'mailto:x@example.com', priority: -2 },
          { url: 'https://ok-too.example', weight: 0 },
        ],
      });
      expect(fields).toEqual({
        'pool.0.weight': ['weight must be at least 1'],
        'pool.1.url': ['Expected an absolute http(s) URL such as https://api.example.com/v1'],
        'pool.1.priority': ['priority must be at least 0'],
        'pool.2.weight': ['weight must be at least 1'],
      });
      expect(await fieldsOf({ pool: [] })).toEqual({ pool: ['A pool needs at least one target'] });
      expect(await fieldsOf({ pool: [{ url: 'https://same.example' }, { url: 'https://same.example' }] })).toEqual({
        'pool.1.url': ['Each target URL at most once'],
      });
    });

    it('bounds timeouts, retries and the circuit breaker', async () => {
      const fields = await fieldsOf({
        url: 'https://a.example',
        connectTimeoutMs: 0,
        requestTimeoutMs: 86_400_000,
        retry: { count: 0, intervalMs: 500, maxIntervalMs: 100 },
        circuitBreaker: { failures: 3, windowMs: 10, tripMs: 1_000, statusCodes: [700] },
      });
      expect(fields).toEqual({
        connectTimeoutMs: ['connectTimeoutMs must be at least 1'],
        requestTimeoutMs: ['requestTimeoutMs must be at most 600000'],
        'retry.count': ['count must be at least 1'],
        'retry.maxIntervalMs': ['maxIntervalMs must be at least intervalMs'],
        'circuitBreaker.windowMs': ['windowMs must be at least 1000'],
        'circuitBreaker.statusCodes.0': ['status code must be at most 599'],
      });
      expect(await fieldsOf({ url: 'https://a.example', retry: { count: 1, intervalMs: 500, maxIntervalMs: 100 } })).toEqual({
        'retry.maxIntervalMs': ['maxIntervalMs must be at least intervalMs'],
      });
    });

    it('checks credentials', async () => {
      const fields = await fieldsOf({
        url: 'https://a.example',
        credentials: {
          headers: [
            { name: 'Bad Header', value: 'x' },
            { name: 'Host', value: 'x' },
            { name: 'X-Key', value: 'line\r\nbreak' },
          ],
          basic: { username: 'a:b', password: 'p' },
          authorization: { scheme: 'Bearer', parameter: 't' },
        },
      });
      // Every problem at once, the cross-field ones included.
      const both = 'Give basic or authorization, not both: each sets the Authorization header';
      expect(fields).toEqual({
        'credentials.basic': [both],
        'credentials.authorization': [both],
        'credentials.headers.0.name': ['Not a valid HTTP header name'],
        'credentials.headers.1.name': ['The gateway sets this header itself'],
        'credentials.headers.2.value': ['Must not contain line breaks'],
        'credentials.basic.username': ['Must not contain ":" or line breaks'],
      });
      const header = await fieldsOf({
        url: 'https://a.example',
        credentials: { headers: [{ name: 'Authorization', value: 'x' }], basic: { username: 'u', password: 'p' } },
      });
      expect(header).toEqual({ 'credentials.headers.0.name': ['Set by basic or authorization already'] });
      // A new name has no stored value to keep.
      expect(
        await fieldsOf({ url: 'https://a.example', credentials: { headers: [{ name: 'X-New' }], basic: { username: 'u' } } }),
      ).toEqual({
        'credentials.headers.0.value': ['Required: this name has no stored value to keep'],
        'credentials.basic.password': ['Required: this name has no stored value to keep'],
      });
    });

    it('writes nothing when it refuses', async () => {
      const before = await h.deps.db.$count(backends);
      await fieldsOf({ url: 'https://a.example', pool: [{ url: 'https://b.example' }] });
      expect(await h.deps.db.$count(backends)).toBe(before);
    });
  });

  describe('credentials', () => {
    const secrets = {
      header: 'header-secret-5f1e2d',
      query: 'query-secret-9a8b7c',
      password: 'basic-password-314159',
      parameter: 'bearer-parameter-271828',
    };

    it('are sealed at rest, masked in every output and kept out of the audit log', async () => {
      const backend = await create({
        url: 'https://secured.example',
        credentials: {
          headers: [{ name: 'X-Api-Key', value: secrets.header }],
          query: [{ name: 'key', value: secrets.query }],
          basic: { username: 'svc-portico', password: secrets.password },
        },
      });
      expect(backend.credentials).toEqual({
        headers: [{ name: 'X-Api-Key', value: SECRET_MASK }],
        query: [{ name: 'key', value: SECRET_MASK }],
        basic: { username: 'svc-portico', password: SECRET_MASK },
        authorization: null,
        clientCertificate: null,
      });

      const row = await rowOf(backend.id);
      const stored = JSON.stringify(row);
      for (const secret of Object.values(secrets)) expect(stored).not.toContain(secret);
      expect(box.open(row.credentials.headers!['X-Api-Key']!)).toBe(secrets.header);
      expect(box.open(row.credentials.query!.key!)).toBe(secrets.query);
      expect(box.open(row.credentials.basic!.password)).toBe(secrets.password);

      const updated = await owner.client.call((c) =>
        c.backends.update({
          workspaceId,
          backendId: backend.id,
          version: 1,
          credentials: {
            // Kept: left out, or sent back masked as read.
            headers: [{ name: 'x-api-key' }],
            query: [{ name: 'key', value: SECRET_MASK }],
            authorization: { scheme: 'Bearer', parameter: secrets.parameter },
            // basic is not listed: removed.
          },
        }),
      );
      expect(updated.credentials).toEqual({
        headers: [{ name: 'x-api-key', value: SECRET_MASK }],
        query: [{ name: 'key', value: SECRET_MASK }],
        basic: null,
        authorization: { scheme: 'Bearer', parameter: SECRET_MASK },
        clientCertificate: null,
      });
      const after = await rowOf(backend.id);
      expect(after.credentials.headers!['x-api-key']).toBe(row.credentials.headers!['X-Api-Key']);
      expect(after.credentials.query!.key).toBe(row.credentials.query!.key);
      expect(box.open(after.credentials.authorization!.parameter)).toBe(secrets.parameter);
      expect(after.credentials.basic).toBeUndefined();

      const outputs = [
        await owner.client.call((c) => c.backends.get({ workspaceId, backendId: backend.id })),
        await owner.client.call((c) => c.backends.list({ workspaceId, limit: 100 })),
        await owner.client.call((c) => c.audit.list({ targetId: backend.id })),
      ];
      const text = JSON.stringify(outputs) + JSON.stringify(await h.deps.db.select().from(auditLog));
      for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
      expect(text).toContain('X-Api-Key');

      const [update] = await h.deps.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetId, backend.id), eq(auditLog.action, 'backend.update')));
      expect(update!.diff.secretsSet).toEqual([null, ['authorization.parameter']]);
      expect(update!.diff.credentials).toEqual([backend.credentials, updated.credentials]);
    });

    it('replaces a value given anew', async () => {
      const backend = await create({
        url: 'https://rotate.example',
        credentials: { headers: [{ name: 'X-Key', value: 'old-value' }] },
      });
      await owner.client.call((c) =>
        c.backends.update({
          workspaceId,
          backendId: backend.id,
          version: 1,
          credentials: { headers: [{ name: 'X-Key', value: 'new-value' }] },
        }),
      );
      const row = await rowOf(backend.id);
      expect(box.open(row.credentials.headers!['X-Key']!)).toBe('new-value');
    });
  });

  describe('client certificates', () => {
    it('reference named values in the workspace, the key a secret one, and keep them from being deleted', async () => {
      const missing = await errorOf(
        create({
          url: 'https://mtls.example',
          credentials: { clientCertificate: { certificate: 'nope-cert', privateKey: 'nope-key' } },
        }),
      );
      expect(missing.fields).toEqual({
        'credentials.clientCertificate.certificate': ['No named value "nope-cert" in this workspace'],
        'credentials.clientCertificate.privateKey': ['No named value "nope-key" in this workspace'],
      });
      await owner.client.call((c) =>
        c.namedValues.create({ workspaceId, name: 'mtls-cert', value: '-----BEGIN CERTIFICATE-----' }),
      );
      const plainKey = await owner.client.call((c) =>
        c.namedValues.create({ workspaceId, name: 'mtls-key-plain', value: 'key' }),
      );
      const notSecret = await errorOf(
        create({
          url: 'https://mtls.example',
          credentials: { clientCertificate: { certificate: 'mtls-cert', privateKey: 'mtls-key-plain' } },
        }),
      );
      expect(notSecret.fields).toEqual({
        'credentials.clientCertificate.privateKey': ['The private key must be a secret named value'],
      });
      await owner.client.call((c) =>
        c.namedValues.create({ workspaceId, name: 'mtls-key', value: '-----BEGIN PRIVATE KEY-----', secret: true }),
      );
      const backend = await create({
        url: 'https://mtls.example',
        credentials: { clientCertificate: { certificate: 'mtls-cert', privateKey: 'mtls-key' } },
      });
      expect(backend.credentials.clientCertificate).toEqual({ certificate: 'mtls-cert', privateKey: 'mtls-key' });
      const listed = await owner.client.call((c) => c.namedValues.list({ workspaceId }));
      const key = listed.items.find((v) => v.name === 'mtls-key')!;
      const refused = await errorOf(owner.client.call((c) => c.namedValues.delete({ workspaceId, namedValueId: key.id })));
      expect(refused.code).toBe('CP_ERR_CONFLICT');
      expect(refused.message).toContain(`backend ${backend.name} (client certificate)`);
      await expect(owner.client.call((c) => c.namedValues.delete({ workspaceId, namedValueId: plainKey.id }))).resolves.toEqual({
        ok: true,
      });
    });
  });
});
