import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, configChanges, policyFragments, tenants } from '../src/db/schema/index.js';
import { fragmentsOf } from './entities/fragments.js';
import { addMember, createHarness, errorBodyOf, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

describe('policy fragments', () => {
  let h: Harness;
  let owner: SignedUp;
  let ws: string;
  let apiId: string;

  const fragments = () => fragmentsOf(owner.client);

  /** The config changes of the tenant's latest revision. */
  async function lastChanges() {
    const [tenant] = await h.deps.db.select().from(tenants).where(eq(tenants.id, owner.tenantId));
    const rows = await h.deps.db
      .select()
      .from(configChanges)
      .where(and(eq(configChanges.tenantId, owner.tenantId), eq(configChanges.revision, tenant!.configRevision)));
    return rows.map((r) => `${r.entityType}:${r.entityId}:${r.op}`);
  }

  async function create(name: string, source: string, format: 'json' | 'yaml' = 'yaml') {
    return (await fragments()).create({ workspaceId: ws, name, source, format });
  }

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Fragments');
    ws = owner.workspaceId;
    apiId = (await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Orders', path: 'orders' }))).id;
  });
  afterAll(() => h.close());

  it('creates a fragment with its statements normalised, a config change and an audit row', async () => {
    const source = '# adds the caller\n- set-header:\n    name: x-caller\n    value: ["@(request.ip)"]\n';
    const created = await (
      await fragments()
    ).create({ workspaceId: ws, name: 'caller-header', description: 'Who called', source });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^frag_/) as unknown,
      name: 'caller-header',
      description: 'Who called',
      format: 'yaml',
      source,
      statements: [{ 'set-header': { name: 'x-caller', value: ['@(request.ip)'] } }],
      version: 1,
    });
    expect(await lastChanges()).toEqual([`policy_fragment:${created.id}:upsert`]);
    const audit = await h.deps.db.select().from(auditLog).where(eq(auditLog.targetId, created.id));
    expect(audit).toMatchObject([{ action: 'policy_fragment.create', targetType: 'policy_fragment', workspaceId: ws }]);
    expect(await (await fragments()).get({ workspaceId: ws, fragmentId: created.id })).toEqual(created);
    const listed = await (await fragments()).list({ workspaceId: ws });
    expect(listed.items.map((f) => f.name)).toContain('caller-header');

    const taken = await errorOf(create('caller-header', '- set-status: { code: 204 }\n'));
    expect(taken).toMatchObject({ code: 'CP_ERR_CONFLICT', fields: { name: ['Already used in this workspace'] } });
    const badName = await errorOf(create('has space', '- set-status: { code: 204 }\n'));
    expect(badName).toMatchObject({ code: 'CP_ERR_VALIDATION', fields: { name: [expect.any(String)] } });
  });

  it('takes JSON too', async () => {
    const created = await create('json-status', '[{ "set-status": { "code": 202 } }]', 'json');
    expect(created.statements).toEqual([{ 'set-status': { code: 202 } }]);
  });

  it('rejects an invalid list with the path and line of every problem, writing nothing', async () => {
    const before = await tableCounts(h.deps.db);
    const source = [
      '- rate-limit: { calls: 0, renewal-period: 60 }',
      '- set-header: { name: x-user, value: ["@(reqest.method)"] }',
      '- base: {}',
      '- no-such-policy: {}',
      '',
    ].join('\n');
    const error = await errorOf(create('broken', source));
    expect(error.code).toBe('CP_ERR_VALIDATION');
    expect(error.message).toMatch(/^The policy fragment "broken" has 4 problem\(s\); first: \[0\]\.rate-limit\.calls \(line 1\)/);
    expect((error.issues ?? []).map((i) => `${i.pointer}@${i.line}`)).toEqual([
      '[0].rate-limit.calls@1',
      '[1].set-header.value[0]@2',
      '[2].base@3',
      '[3].no-such-policy@4',
    ]);
    expect(error.issues?.[2]?.message).toBe('base cannot be used in a fragment, only in a policy document');
    expect((await errorOf(create('not-a-list', 'set-status: { code: 204 }\n'))).issues).toEqual([
      { pointer: '', line: 1, message: expect.stringContaining('a fragment is a list') as unknown },
    ]);
    expect(await tableCounts(h.deps.db)).toEqual(before);
  });

  it('accepts statements that fit one section, but not a mix that fits none', async () => {
    await expect(create('forward-slowly', '- forward-request: { timeout: 120 }\n')).resolves.toMatchObject({
      statements: [{ 'forward-request': expect.objectContaining({ timeout: 120 }) as unknown }],
    });
    const error = await errorOf(create('mixed', '- rate-limit: { calls: 5, renewal-period: 60 }\n- forward-request: {}\n'));
    expect(error.issues).toEqual([
      { pointer: '[1].forward-request', line: 2, message: expect.stringContaining('it can be used in backend') as unknown },
    ]);
  });

  it('requires every {{named value}} and included fragment to exist', async () => {
    await owner.client.call((c) => c.namedValues.create({ workspaceId: ws, name: 'tenant-id', value: 'acme' }));
    await expect(create('tenant-header', '- set-header: { name: x-tenant, value: ["{{tenant-id}}"] }\n')).resolves.toBeDefined();
    const error = await errorOf(
      create(
        'dangling',
        '- set-header: { name: x-a, value: ["a"] }\n- set-header: { name: x-key, value: ["{{nope}}"] }\n- include-fragment: { fragment-id: ghost }\n',
      ),
    );
    expect(error.issues).toEqual([
      { pointer: '', line: 2, message: '{{nope}} is not a named value of this workspace' },
      { pointer: '[2].include-fragment', line: 3, message: 'fragment "ghost" does not exist in this workspace' },
    ]);
  });

  it('refuses include cycles, naming the cycle', async () => {
    const a = await create('cycle-a', '- set-header: { name: x-a, value: ["a"] }\n');
    await create('cycle-b', '- include-fragment: { fragment-id: cycle-a }\n');
    await create('cycle-c', '- set-status: { code: 200 }\n- include-fragment: { fragment-id: cycle-b }\n');
    const error = await errorOf(
      (await fragments()).update({
        workspaceId: ws,
        fragmentId: a.id,
        version: a.version,
        source: '- set-header: { name: x-a, value: ["a"] }\n- include-fragment: { fragment-id: cycle-c }\n',
      }),
    );
    expect(error.code).toBe('CP_ERR_VALIDATION');
    expect(error.issues).toEqual([
      {
        pointer: '[1].include-fragment',
        line: 2,
        message: 'including "cycle-c" makes a cycle: cycle-a → cycle-c → cycle-b → cycle-a',
      },
    ]);
    const self = await errorOf(create('narcissus', '- include-fragment: { fragment-id: narcissus }\n'));
    expect(self.issues?.map((i) => i.message)).toEqual(['including "narcissus" makes a cycle: narcissus → narcissus']);
  });

  it('two concurrent updates cannot close a cycle between them', async () => {
    const x = await create('race-x', '- set-status: { code: 200 }\n');
    const y = await create('race-y', '- set-status: { code: 200 }\n');
    const outcomes = await Promise.allSettled([
      (await fragments()).update({
        workspaceId: ws,
        fragmentId: x.id,
        version: 1,
        source: '- include-fragment: { fragment-id: race-y }\n',
      }),
      (await fragments()).update({
        workspaceId: ws,
        fragmentId: y.id,
        version: 1,
        source: '- include-fragment: { fragment-id: race-x }\n',
      }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = outcomes.find((o) => o.status === 'rejected')!;
    expect(errorBodyOf(failure.reason)).toMatchObject({ code: 'CP_ERR_VALIDATION', message: /makes a cycle/ });
  });

  it('checks a document includes a fragment only where its statements may run', async () => {
    await create('retry-backend', '- forward-request: { timeout: 5 }\n');
    await create(
      'via-retry-backend',
      '- set-header: { name: x-b, value: ["b"] }\n- include-fragment: { fragment-id: retry-backend }\n',
    );
    const ok = await owner.client.call((c) =>
      c.policies.api.set({
        workspaceId: ws,
        apiId,
        source:
          'inbound:\n  - base: {}\n  - include-fragment: { fragment-id: caller-header }\nbackend:\n  - include-fragment: { fragment-id: via-retry-backend }\n',
      }),
    );
    expect(ok.version).toBe(1);
    const error = await errorOf(
      owner.client.call((c) =>
        c.policies.api.set({
          workspaceId: ws,
          apiId,
          version: ok.version,
          source: [
            'inbound:',
            '  - base: {}',
            '  - choose:',
            '      when:',
            '        - condition: "@(request.method == \'GET\')"',
            '          statements:',
            '            - include-fragment: { fragment-id: via-retry-backend }',
            '  - include-fragment: { fragment-id: missing-one }',
            '',
          ].join('\n'),
        }),
      ),
    );
    expect(error.code).toBe('CP_ERR_VALIDATION');
    expect(error.issues).toEqual([
      {
        pointer: 'inbound[1].choose.when[0].statements[0].include-fragment',
        line: 7,
        message: expect.stringMatching(
          /^fragment "retry-backend" \(included by "via-retry-backend"\) cannot run in inbound: \[0\]\.forward-request: policy 'forward-request' is not allowed in inbound/,
        ) as unknown,
      },
      { pointer: 'inbound[2].include-fragment', line: 8, message: 'fragment "missing-one" does not exist in this workspace' },
    ]);
  });

  it('an update must keep the fragment runnable where documents include it', async () => {
    const [row] = await h.deps.db.select().from(policyFragments).where(eq(policyFragments.name, 'caller-header'));
    const refused = await errorOf(
      (await fragments()).update({
        workspaceId: ws,
        fragmentId: row!.id,
        version: row!.version,
        source: '- forward-request: {}\n',
      }),
    );
    expect(refused.code).toBe('CP_ERR_VALIDATION');
    expect(refused.issues).toEqual([
      {
        pointer: '[0].forward-request',
        line: 1,
        message: expect.stringContaining(`(api policy of ${apiId} includes this fragment in inbound)`) as unknown,
      },
    ]);
    // Indirectly: retry-backend runs in backend only, through via-retry-backend; inbound use is refused.
    const [caller] = await h.deps.db.select().from(policyFragments).where(eq(policyFragments.name, 'caller-header'));
    const indirect = await errorOf(
      (await fragments()).update({
        workspaceId: ws,
        fragmentId: caller!.id,
        version: caller!.version,
        source: '- include-fragment: { fragment-id: via-retry-backend }\n',
      }),
    );
    expect(indirect.issues).toEqual([
      {
        pointer: '[0].include-fragment',
        line: 1,
        message: expect.stringMatching(
          /^fragment "retry-backend" cannot run in inbound, and api policy of api_\w+ includes this fragment in inbound: \[0\]\.forward-request: /,
        ) as unknown,
      },
    ]);

    const changed = await (
      await fragments()
    ).update({
      workspaceId: ws,
      fragmentId: row!.id,
      version: row!.version,
      description: 'The caller address',
      source: '- set-header:\n    name: x-caller-ip\n    value: ["@(request.ip)"]\n',
    });
    expect(changed).toMatchObject({ version: row!.version + 1, description: 'The caller address' });
    expect(await lastChanges()).toEqual([`policy_fragment:${row!.id}:upsert`]);
    const stale = await errorOf(
      (await fragments()).update({ workspaceId: ws, fragmentId: row!.id, version: row!.version, description: 'again' }),
    );
    expect(stale.code).toBe('CP_ERR_VERSION_MISMATCH');
    const [audit] = await h.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, row!.id), eq(auditLog.action, 'policy_fragment.update')));
    expect(audit!.diff).toMatchObject({
      description: ['Who called', 'The caller address'],
      source: [row!.source, changed.source],
    });
  });

  it('refuses to delete a fragment a document or another fragment includes, naming where', async () => {
    const [target] = await h.deps.db.select().from(policyFragments).where(eq(policyFragments.name, 'retry-backend'));
    await owner.client.call((c) =>
      c.policies.global.set({ source: 'backend:\n  - include-fragment: { fragment-id: retry-backend }\n' }),
    );
    const refused = await errorOf((await fragments()).delete({ workspaceId: ws, fragmentId: target!.id }));
    expect(refused.code).toBe('CP_ERR_CONFLICT');
    expect(refused.issues).toEqual([
      { pointer: `global policy of ${owner.tenantId}`, message: 'includes fragment "retry-backend"' },
      { pointer: 'fragment via-retry-backend', message: 'includes fragment "retry-backend"' },
    ]);

    // Remove every include: the global document, the API document (through via-…), then via-… itself.
    await owner.client.call((c) => c.policies.global.delete());
    await owner.client.call((c) => c.policies.api.delete({ workspaceId: ws, apiId }));
    const [via] = await h.deps.db.select().from(policyFragments).where(eq(policyFragments.name, 'via-retry-backend'));
    await (await fragments()).delete({ workspaceId: ws, fragmentId: via!.id });
    await expect((await fragments()).delete({ workspaceId: ws, fragmentId: target!.id })).resolves.toEqual({ ok: true });
    expect(await lastChanges()).toEqual([`policy_fragment:${target!.id}:delete`]);
    expect(await h.deps.db.select().from(policyFragments).where(eq(policyFragments.id, target!.id))).toEqual([]);
    const audit = await h.deps.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, target!.id));
    expect(audit.map((a) => a.action).sort()).toEqual(['policy_fragment.create', 'policy_fragment.delete']);
  });

  it("keeps each workspace's fragments to itself", async () => {
    const other = await owner.client.call((c) => c.workspaces.create({ name: 'Other team' }));
    const elsewhere = await (
      await fragments()
    ).create({ workspaceId: other.id, name: 'caller-header', source: '- set-status: { code: 200 }\n' });
    expect((await errorOf((await fragments()).get({ workspaceId: ws, fragmentId: elsewhere.id }))).code).toBe('CP_ERR_NOT_FOUND');
    // The global document resolves names in the default workspace only.
    await (await fragments()).create({ workspaceId: other.id, name: 'only-elsewhere', source: '- set-status: { code: 200 }\n' });
    const error = await errorOf(
      owner.client.call((c) =>
        c.policies.global.set({ source: 'inbound:\n  - include-fragment: { fragment-id: only-elsewhere }\n' }),
      ),
    );
    expect(error.issues).toEqual([
      { pointer: 'inbound[0].include-fragment', line: 2, message: 'fragment "only-elsewhere" does not exist in this workspace' },
    ]);
    const stranger = await signUp(h, 'Stranger');
    expect(
      (await errorOf((await fragmentsOf(stranger.client)).get({ workspaceId: stranger.workspaceId, fragmentId: elsewhere.id })))
        .code,
    ).toBe('CP_ERR_NOT_FOUND');
  });

  it('readers read fragments; contributors write them', async () => {
    const reader = await addMember(h, owner, 'member', { workspaceId: ws, workspaceRole: 'reader' });
    const contributor = await addMember(h, owner, 'member', { workspaceId: ws, workspaceRole: 'contributor' });
    await expect((await fragmentsOf(reader.client)).list({ workspaceId: ws })).resolves.toBeDefined();
    const refused = await errorOf(
      (await fragmentsOf(reader.client)).create({ workspaceId: ws, name: 'by-reader', source: '- set-status: { code: 200 }\n' }),
    );
    expect(refused.code).toBe('CP_ERR_FORBIDDEN');
    await expect(
      (await fragmentsOf(contributor.client)).create({
        workspaceId: ws,
        name: 'by-contributor',
        source: '- set-status: { code: 200 }\n',
      }),
    ).resolves.toMatchObject({ name: 'by-contributor' });
  });
});
