import { policyCatalogue } from '@portico/gateway/schemas';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, namedValues } from '../src/db/schema/index.js';
import { createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { tableCounts } from './table-counts.js';

describe('policies and named values', () => {
  let h: Harness;
  let owner: SignedUp;
  let ws: string;
  let apiId: string;
  let operationId: string;

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Policies');
    ws = owner.workspaceId;
    apiId = (await owner.client.call((c) => c.apis.create({ workspaceId: ws, name: 'Orders', path: 'orders' }))).id;
    operationId = (
      await owner.client.call((c) =>
        c.operations.create({ workspaceId: ws, apiId, name: 'list', method: 'GET', urlTemplate: '/orders' }),
      )
    ).id;
  });
  afterAll(() => h.close());

  it('rejects an invalid document with the path and line of every problem, writing nothing', async () => {
    const source = [
      'inbound:',
      '  - base: {}',
      '  - rate-limit: { calls: 0, renewal-period: 60 }',
      '  - set-header: { name: x-user, value: ["@(reqest.method)"] }',
      '  - no-such-policy: {}',
      '',
    ].join('\n');
    const before = await tableCounts(h.deps.db);
    const error = await errorOf(owner.client.call((c) => c.policies.api.set({ workspaceId: ws, apiId, source })));
    expect(error.code).toBe('CP_ERR_VALIDATION');
    const where = (error.issues ?? []).map((i) => `${i.pointer}@${i.line}`);
    expect(where).toEqual(['inbound[1].rate-limit.calls@3', 'inbound[2].set-header.value[0]@4', 'inbound[3].no-such-policy@5']);
    expect(error.issues?.find((i) => i.pointer.startsWith('inbound[2]'))?.message).toMatch(/reqest/);
    expect(await tableCounts(h.deps.db)).toEqual(before);
  });

  it('refuses a bad config of every policy in the catalogue at write time, naming the statement and the field', async () => {
    const names = Object.keys(policyCatalogue).filter((name) => name !== 'base' && name !== 'include-fragment');
    for (const name of names) {
      const section = policyCatalogue[name as keyof typeof policyCatalogue].sections[0]!;
      const source = JSON.stringify({ [section]: [{ [name]: { 'no-such-attribute': 1 } }] });
      const error = await errorOf(
        owner.client.call((c) => c.policies.api.set({ workspaceId: ws, apiId, format: 'json', source })),
      );
      expect(error.code, name).toBe('CP_ERR_VALIDATION');
      expect(
        (error.issues ?? []).some(
          (issue) => issue.pointer.startsWith(`${section}[0].${name}`) && /no-such-attribute/.test(issue.message),
        ),
        `${name}: ${JSON.stringify(error.issues)}`,
      ).toBe(true);
    }
  });

  it('requires every {{named value}} to exist', async () => {
    const error = await errorOf(
      owner.client.call((c) =>
        c.policies.api.set({
          workspaceId: ws,
          apiId,
          source: 'inbound:\n  - set-header: { name: x-key, value: ["{{missing-key}}"] }\n',
        }),
      ),
    );
    expect(error.issues).toEqual([{ pointer: '', message: '{{missing-key}} is not a named value of this workspace' }]);
  });

  it('keeps secret named values sealed at rest and never returns them', async () => {
    const secret = 'sk_live_do_not_leak_0123456789';
    const created = await owner.client.call((c) =>
      c.namedValues.create({ workspaceId: ws, name: 'backend-key', value: secret, secret: true }),
    );
    expect(created).toMatchObject({ secret: true, value: null });
    const [row] = await h.deps.db.select().from(namedValues).where(eq(namedValues.id, created.id));
    expect(row!.value).toBeNull();
    expect(row!.sealedValue).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(secret);
    const listed = await owner.client.call((c) => c.namedValues.list({ workspaceId: ws }));
    const audit = await h.deps.db.select().from(auditLog).where(eq(auditLog.targetId, created.id));
    expect(JSON.stringify([listed, audit])).not.toContain(secret);
    const plain = await owner.client.call((c) => c.namedValues.create({ workspaceId: ws, name: 'region', value: 'eu-west' }));
    expect(plain.value).toBe('eu-west');
  });

  it('refuses to delete a named value a policy uses, naming where', async () => {
    const nv = await owner.client.call((c) => c.namedValues.create({ workspaceId: ws, name: 'tenant-header', value: 'acme' }));
    await owner.client.call((c) =>
      c.policies.operation.set({
        workspaceId: ws,
        apiId,
        operationId,
        source: 'inbound:\n  - base: {}\n  - set-header: { name: x-tenant, value: ["{{tenant-header}}"] }\n',
      }),
    );
    const error = await errorOf(owner.client.call((c) => c.namedValues.delete({ workspaceId: ws, namedValueId: nv.id })));
    expect(error.code).toBe('CP_ERR_CONFLICT');
    expect(error.issues).toEqual([{ pointer: `operation policy of ${operationId}`, message: 'uses {{tenant-header}}' }]);
    await owner.client.call((c) => c.policies.operation.delete({ workspaceId: ws, apiId, operationId }));
    await expect(owner.client.call((c) => c.namedValues.delete({ workspaceId: ws, namedValueId: nv.id }))).resolves.toEqual({
      ok: true,
    });
  });

  it('replacing a document needs the version read', async () => {
    const first = await owner.client.call((c) =>
      c.policies.workspace.set({ workspaceId: ws, source: 'inbound:\n  - base: {}\n' }),
    );
    const again = await errorOf(owner.client.call((c) => c.policies.workspace.set({ workspaceId: ws, source: 'inbound: []\n' })));
    expect(again.code).toBe('CP_ERR_CONFLICT');
    const stale = await errorOf(
      owner.client.call((c) =>
        c.policies.workspace.set({ workspaceId: ws, source: 'inbound: []\n', version: first.version + 5 }),
      ),
    );
    expect(stale.code).toBe('CP_ERR_VERSION_MISMATCH');
    const replaced = await owner.client.call((c) =>
      c.policies.workspace.set({ workspaceId: ws, source: 'inbound:\n  - base: {}\n', version: first.version }),
    );
    expect(replaced.version).toBe(first.version + 1);
    expect(await owner.client.call((c) => c.policies.workspace.get({ workspaceId: ws }))).toMatchObject({
      scope: 'workspace',
      source: 'inbound:\n  - base: {}\n',
    });
  });

  it('merges every scope into the effective policy, with the origin of each statement', async () => {
    await owner.client.call((c) =>
      c.policies.global.set({ source: 'inbound:\n  - cors: { allowed-origins: ["https://portal.example.com"] }\n' }),
    );
    await owner.client.call((c) =>
      c.policies.api.set({
        workspaceId: ws,
        apiId,
        source: 'inbound:\n  - base: {}\n  - rate-limit: { calls: 100, renewal-period: 60 }\n',
      }),
    );
    await owner.client.call((c) =>
      c.policies.operation.set({
        workspaceId: ws,
        apiId,
        operationId,
        source: 'inbound:\n  - base: {}\n  - set-header: { name: x-op, value: ["list"] }\n',
      }),
    );
    const effective = await owner.client.call((c) => c.policies.effective({ workspaceId: ws, apiId, operationId }));
    expect(effective.inbound.map((s) => `${s.origin.scope}:${Object.keys(s.statement)[0]}`)).toEqual([
      'global:cors',
      'api:rate-limit',
      'operation:set-header',
    ]);
  });
});
