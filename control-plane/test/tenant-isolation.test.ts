import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createHarness, errorBodyOf, errorOf, signUp, type Harness, type SignedUp } from './harness.js';
import { createCatalogEntities } from './entities.js';
import { invoke, listProcedures, sampleInput, sampleOf } from './procedures.js';

/**
 * Tenant A's owner calls every procedure with tenant B's ids. Generated from the router, so a
 * procedure added later is covered without touching this file. B's ids must answer NOT_FOUND
 * (never FORBIDDEN, which would confirm they exist), and lists must not show B's rows.
 */
describe('tenant isolation', () => {
  let h: Harness;
  let a: SignedUp;
  let b: SignedUp;
  let idsA: Record<string, string>;
  let idsB: Record<string, string>;

  async function entities(owner: SignedUp, label: string): Promise<Record<string, string>> {
    const ws = await owner.client.call((c) => c.workspaces.create({ name: `${label} team` }));
    const member = await addMember(h, owner, 'member', { workspaceId: ws.id, workspaceRole: 'reader' }, `${label}-member`);
    const invitation = await owner.client.call((c) =>
      c.members.invite({ email: `${label}-pending@example.com`, role: 'member' }),
    );
    const token = await owner.client.call((c) => c.tokens.create({ name: `${label} token` }));
    const catalog = await createCatalogEntities(owner.client, ws.id);
    return { ten: owner.tenantId, ws: ws.id, usr: member.userId, inv: invitation.id, pat: token.id, ...catalog };
  }

  beforeAll(async () => {
    h = await createHarness();
    a = await signUp(h, 'Tenant A', 'a-owner');
    b = await signUp(h, 'Tenant B', 'b-owner');
    idsA = await entities(a, 'a');
    idsB = await entities(b, 'b');
  });
  afterAll(() => h.close());

  const procedures = listProcedures().filter((p) => p.meta?.permission?.scope !== 'public');
  const withIds = procedures.filter((p) => p.idFields.length > 0);

  it('finds procedures that take ids (guards the generator)', () => {
    expect(withIds.length).toBeGreaterThanOrEqual(10);
  });

  const cases = withIds.flatMap((p) =>
    p.idFields.map((field) => ({ procedure: p, field, name: `${p.path} with another tenant's ${field.name}` })),
  );

  it.each(cases.filter((c) => c.procedure.type === 'mutation' || c.field.required))(
    '$name → NOT_FOUND',
    async ({ procedure, field }) => {
      // Every other field is valid for A, so only the foreign id can make the call fail.
      const input: Record<string, unknown> = sampleInput(procedure.input, idsA, { [field.name]: idsB[field.prefix] });
      if (!field.required) {
        for (const [name, schema] of Object.entries(procedure.input?.properties ?? {})) {
          if (input[name] === undefined && !schema.idPrefix) input[name] = sampleOf(schema, name);
        }
      }
      const error = await errorOf(a.client.call((c) => invoke(c, procedure.path, input)));
      expect(error.code, JSON.stringify(error)).toBe('CP_ERR_NOT_FOUND');
    },
  );

  it.each(cases.filter((c) => c.procedure.type === 'query' && !c.field.required))(
    '$name as an optional input → NOT_FOUND or nothing of tenant B',
    async ({ procedure, field }) => {
      const input = sampleInput(procedure.input, idsA, { [field.name]: idsB[field.prefix] });
      let result: unknown;
      try {
        result = await a.client.call((c) => invoke(c, procedure.path, input));
      } catch (error) {
        expect(errorBodyOf(error).code).toBe('CP_ERR_NOT_FOUND');
        return;
      }
      // A filter by a foreign id matches nothing: the answer carries none of B's data.
      expect(JSON.stringify(result)).not.toMatch(
        new RegExp([...Object.values(idsB).filter((id) => id !== idsB[field.prefix]), b.email].join('|')),
      );
      if (result && typeof result === 'object' && 'items' in result) expect((result as { items: unknown[] }).items).toEqual([]);
    },
  );

  it.each(procedures.filter((p) => p.type === 'query' && p.idFields.every((f) => !f.required)).map((p) => ({ path: p.path, p })))(
    '$path shows none of tenant B',
    async ({ p }) => {
      const result = await a.client.call((c) => invoke(c, p.path, sampleInput(p.input, idsA)));
      const text = JSON.stringify(result);
      for (const id of [...Object.values(idsB), b.userId, b.workspaceId]) expect(text).not.toContain(id);
      expect(text).not.toContain(b.email);
    },
  );

  it('B still has everything A tried to touch', async () => {
    const page = await b.client.call((c) => c.workspaces.list({}));
    expect(page.items.map((w) => w.id)).toContain(idsB.ws);
    const members = await b.client.call((c) => c.members.list({}));
    expect(members.items.map((m) => m.userId)).toContain(idsB.usr);
    const tokens = await b.client.call((c) => c.tokens.list({}));
    expect(tokens.items.find((t) => t.id === idsB.pat)?.revokedAt).toBeNull();
    const invitations = await b.client.call((c) => c.members.listInvitations({}));
    expect(invitations.items.find((i) => i.id === idsB.inv)?.state).toBe('pending');
  });
});
