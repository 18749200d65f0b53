import { request } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { createLogger } from '../src/lib/logger.js';
import { PASSWORD, addMember, createHarness, errorOf, signUp, testConfig, type Harness, type SignedUp } from './harness.js';
import { invoke, listProcedures } from './procedures.js';
import { tableCounts } from './table-counts.js';

function wrongValueFor(schema: { type?: string | string[]; enum?: unknown[]; anyOf?: unknown[] }): unknown {
  if (schema.enum) return 'not-one-of-the-choices';
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return 12345;
    case 'number':
    case 'integer':
      return 'not a number';
    case 'boolean':
      return 'not a boolean';
    default:
      return Symbol.for('unrepresentable');
  }
}

describe('bad input', () => {
  let h: Harness;
  let owner: SignedUp;
  let ids: Record<string, string>;

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Validation');
    const ws = await owner.client.call((c) => c.workspaces.create({ name: 'Target' }));
    const member = await addMember(h, owner, 'member', { workspaceId: ws.id, workspaceRole: 'reader' });
    const invitation = await owner.client.call((c) => c.members.invite({ email: 'pending@example.com' }));
    const token = await owner.client.call((c) => c.tokens.create({ name: 'x' }));
    ids = { ten: owner.tenantId, ws: ws.id, usr: member.userId, inv: invitation.id, pat: token.id };
  });
  afterAll(() => h.close());

  const mutations = listProcedures().filter((p) => p.type === 'mutation');

  it.each(mutations.map((p) => ({ path: p.path, p })))('$path names every wrong field and writes nothing', async ({ p }) => {
    const input: Record<string, unknown> = { unexpectedField: true };
    const wrongFields: string[] = [];
    for (const [name, schema] of Object.entries(p.input?.properties ?? {})) {
      if (schema.idPrefix) {
        input[name] = ids[schema.idPrefix];
      } else {
        const wrong = wrongValueFor(schema);
        if (typeof wrong === 'symbol') continue;
        input[name] = wrong;
        wrongFields.push(name);
      }
    }
    const before = await tableCounts(h.deps.db);
    const caller = p.meta?.permission?.scope === 'public' ? h.client() : owner.client;
    const error = await errorOf(caller.call((c) => invoke(c, p.path, input)));
    expect(error.code).toBe('CP_ERR_VALIDATION');
    expect(error.fields?.unexpectedField).toEqual(['Unknown field']);
    for (const field of wrongFields) expect(error.fields?.[field], `${p.path}.${field}: ${JSON.stringify(error)}`).toBeDefined();
    expect(await tableCounts(h.deps.db)).toEqual(before);
  });

  it('explains what was expected', async () => {
    const error = await errorOf(
      h.client().call((c) => c.auth.signUp({ email: 'not-an-email', password: 'short', name: '', organization: 'x' })),
    );
    expect(error.fields).toEqual({
      email: ['Expected an email address such as ada@example.com'],
      password: ['Use at least 12 characters'],
      name: ['name must not be empty'],
    });
  });

  describe('a mutation that fails half-way writes nothing', () => {
    beforeAll(async () => {
      // Fail the last write of a mutation (its audit row) to prove the earlier ones roll back.
      await h.deps.db.execute(sql`
        create function fail_marked_audit() returns trigger language plpgsql as $$
        begin
          if new.diff::text like '%explode-in-audit%' then raise exception 'injected failure'; end if;
          return new;
        end $$`);
      await h.deps.db.execute(
        sql`create trigger fail_marked_audit before insert on audit_log for each row execute function fail_marked_audit()`,
      );
    });

    const cases: [string, (s: SignedUp, h: Harness) => Promise<unknown>][] = [
      [
        'auth.signUp',
        (_s, h) =>
          h
            .client()
            .call((c) =>
              c.auth.signUp({ email: 'half@example.com', password: PASSWORD, name: 'H', organization: 'explode-in-audit' }),
            ),
      ],
      ['workspaces.create', (s) => s.client.call((c) => c.workspaces.create({ name: 'explode-in-audit' }))],
      [
        'members.invite (with its e-mail)',
        (s) => s.client.call((c) => c.members.invite({ email: 'explode-in-audit@example.com' })),
      ],
      ['tokens.create', (s) => s.client.call((c) => c.tokens.create({ name: 'explode-in-audit' }))],
    ];
    it.each(cases)('%s', async (_name, run) => {
      const before = await tableCounts(h.deps.db);
      const error = await errorOf(run(owner, h));
      expect(error).toEqual({ code: 'CP_ERR_INTERNAL', message: 'Internal error' });
      expect(await tableCounts(h.deps.db)).toEqual(before);
    });
  });
});

describe('request bodies over HTTP', () => {
  let h: Harness;
  let cp: ControlPlane;
  let port: number;
  const LIMIT = 16 * 1024;

  beforeAll(async () => {
    h = await createHarness();
    const config = testConfig({ databaseUrl: h.database.url, bodyLimitBytes: LIMIT, port: 0, host: '127.0.0.1' });
    cp = await createControlPlane(config, createLogger('silent'), { ...h.database, close: async () => {} });
    port = await cp.listen();
  });
  afterAll(async () => {
    await cp.close();
    await h.close();
  });

  function send(path: string, body: string | Buffer, headers: Record<string, string> = {}, chunked = false) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      if (!chunked) req.setHeader('content-length', Buffer.byteLength(body));
      req.end(body);
    });
  }

  const big = JSON.stringify({ email: 'big@example.com', password: PASSWORD, name: 'x'.repeat(LIMIT * 2), organization: 'Big' });

  it.each([
    ['REST, declared length', '/api/v1/auth/sign-up', false],
    ['REST, chunked', '/api/v1/auth/sign-up', true],
    ['tRPC, declared length', '/trpc/auth.signUp', false],
    ['tRPC, chunked', '/trpc/auth.signUp', true],
  ] as const)('%s: over the limit → 413 and nothing written', async (_name, path, chunked) => {
    const before = await tableCounts(h.deps.db);
    const res = await send(path, big, {}, chunked);
    expect(res.status).toBe(413);
    expect(res.body).toContain('CP_ERR_PAYLOAD_TOO_LARGE');
    expect(await tableCounts(h.deps.db)).toEqual(before);
  });

  it('REST: malformed JSON → 400 CP_ERR_BAD_JSON', async () => {
    const res = await send('/api/v1/auth/sign-in', '{"email": ');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'CP_ERR_BAD_JSON' } });
  });

  it('REST: a body that is not JSON → 415', async () => {
    const res = await send('/api/v1/auth/sign-in', 'email=a', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'CP_ERR_UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('REST and tRPC give the same field errors', async () => {
    const body = JSON.stringify({ email: 'nope', password: PASSWORD, name: 'N', organization: 'O', extra: 1 });
    const rest = await send('/api/v1/auth/sign-up', body);
    const trpc = await send('/trpc/auth.signUp', body);
    expect(rest.status).toBe(400);
    expect(trpc.status).toBe(400);
    const restError = (JSON.parse(rest.body) as { error: { fields: unknown } }).error;
    const trpcError = (JSON.parse(trpc.body) as { error: { data: { error: { fields: unknown } } } }).error.data.error;
    expect(restError.fields).toEqual({ email: ['Expected an email address such as ada@example.com'], extra: ['Unknown field'] });
    expect(trpcError.fields).toEqual(restError.fields);
  });
});
