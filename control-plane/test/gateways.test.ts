import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apis, auditLog, configChanges, gatewayApis, gatewayInstances, gatewayTokens } from '../src/db/schema/index.js';
import { newId } from '../src/lib/ids.js';
import { hashToken } from '../src/lib/secrets.js';
import { GONE_AFTER_MS, IN_SYNC_WITHIN_MS, instanceStatus } from '../src/modules/gateways/instance-status.js';
import { addMember, createHarness, errorOf, signUp, type Harness, type SignedUp } from './harness.js';

describe('gateways', () => {
  let h: Harness;
  let owner: SignedUp;
  let stranger: SignedUp;

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Gateways', 'gateways-owner');
    stranger = await signUp(h, 'Elsewhere', 'gateways-stranger');
  });
  afterAll(() => h.close());

  let counter = 0;
  const createGateway = (client = owner.client, input: { name?: string; location?: string } = {}) =>
    client.call((c) => c.gateways.create({ name: `gateway ${++counter}`, ...input }));

  /** Inserted directly: the APIs procedures are another area's. */
  async function insertApi(who: SignedUp, workspaceId = who.workspaceId) {
    const id = newId('api');
    await h.deps.db
      .insert(apis)
      .values({ id, tenantId: who.tenantId, workspaceId, name: `API ${++counter}`, path: `api-${counter}` });
    return id;
  }

  describe('create, read, update, delete', () => {
    it('creates, reads, lists and updates a gateway', async () => {
      const gateway = await createGateway(owner.client, { name: 'EU West', location: 'eu-west on-prem' });
      expect(gateway).toMatchObject({
        id: expect.stringMatching(/^gw_[0-9a-z]{20}$/) as string,
        name: 'EU West',
        location: 'eu-west on-prem',
        description: '',
        version: 1,
      });
      await expect(owner.client.call((c) => c.gateways.get({ gatewayId: gateway.id }))).resolves.toEqual(gateway);

      const updated = await owner.client.call((c) =>
        c.gateways.update({ gatewayId: gateway.id, version: 1, description: 'Frankfurt racks', location: 'eu-central' }),
      );
      expect(updated).toMatchObject({ name: 'EU West', description: 'Frankfurt racks', location: 'eu-central', version: 2 });
      const stale = await errorOf(owner.client.call((c) => c.gateways.update({ gatewayId: gateway.id, version: 1, name: 'X' })));
      expect(stale.code).toBe('CP_ERR_VERSION_MISMATCH');

      const [audit] = await h.deps.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetId, gateway.id), eq(auditLog.action, 'gateway.update')));
      expect(audit!.diff).toEqual({ description: ['', 'Frankfurt racks'], location: ['eu-west on-prem', 'eu-central'] });

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await owner.client.call((c) => c.gateways.list({ limit: 1, ...(cursor ? { cursor } : {}) }));
        seen.push(...page.items.map((g) => g.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toContain(gateway.id);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('keeps names unique per tenant', async () => {
      await createGateway(owner.client, { name: 'Primary' });
      const taken = await errorOf(createGateway(owner.client, { name: 'Primary' }));
      expect(taken.code).toBe('CP_ERR_CONFLICT');
      expect(taken.fields).toEqual({ name: ['Already used in this tenant'] });
      // Another tenant may use the name.
      await expect(createGateway(stranger.client, { name: 'Primary' })).resolves.toMatchObject({ name: 'Primary' });

      const other = await createGateway();
      const renamed = await errorOf(
        owner.client.call((c) => c.gateways.update({ gatewayId: other.id, version: 1, name: 'Primary' })),
      );
      expect(renamed.code).toBe('CP_ERR_CONFLICT');
      expect(renamed.fields).toEqual({ name: ['Already used in this tenant'] });
    });

    it('deletes a gateway with its tokens and assignments, not its APIs', async () => {
      const gateway = await createGateway();
      const apiId = await insertApi(owner);
      await owner.client.call((c) => c.gateways.assignApi({ gatewayId: gateway.id, apiId }));
      await owner.client.call((c) => c.gateways.createToken({ gatewayId: gateway.id, name: 'agent', expiresInDays: 7 }));
      await expect(owner.client.call((c) => c.gateways.delete({ gatewayId: gateway.id }))).resolves.toEqual({ ok: true });

      expect((await errorOf(owner.client.call((c) => c.gateways.get({ gatewayId: gateway.id })))).code).toBe('CP_ERR_NOT_FOUND');
      expect(await h.deps.db.$count(gatewayTokens, eq(gatewayTokens.gatewayId, gateway.id))).toBe(0);
      expect(await h.deps.db.$count(gatewayApis, eq(gatewayApis.gatewayId, gateway.id))).toBe(0);
      expect(await h.deps.db.$count(apis, eq(apis.id, apiId))).toBe(1);
    });

    it('lets tenant members read gateways but not change them', async () => {
      const gateway = await createGateway();
      const member = await addMember(h, owner, 'member', undefined, 'gateway-member');
      await expect(member.client.call((c) => c.gateways.get({ gatewayId: gateway.id }))).resolves.toMatchObject({
        id: gateway.id,
      });
      expect((await errorOf(createGateway(member.client))).code).toBe('CP_ERR_FORBIDDEN');
      const token = await errorOf(
        member.client.call((c) => c.gateways.createToken({ gatewayId: gateway.id, name: 'sneaky', expiresInDays: 1 })),
      );
      expect(token.code).toBe('CP_ERR_FORBIDDEN');
    });
  });

  describe('API assignments', () => {
    it('assigns an API of any workspace idempotently, lists and unassigns it', async () => {
      const gateway = await createGateway();
      const team = await owner.client.call((c) => c.workspaces.create({ name: 'Gateway team' }));
      const apiId = await insertApi(owner, team.id);

      const first = await owner.client.call((c) => c.gateways.assignApi({ gatewayId: gateway.id, apiId }));
      expect(first).toMatchObject({ gatewayId: gateway.id, apiId, workspaceId: team.id, type: 'http' });
      const again = await owner.client.call((c) => c.gateways.assignApi({ gatewayId: gateway.id, apiId }));
      expect(again).toEqual(first);

      const listed = await owner.client.call((c) => c.gateways.listApis({ gatewayId: gateway.id }));
      expect(listed).toEqual({ items: [first], nextCursor: null });

      const changes = await h.deps.db.select().from(configChanges).where(eq(configChanges.entityType, 'gateway_api'));
      expect(changes.filter((c) => c.entityId === `${gateway.id}:${apiId}`).map((c) => c.op)).toEqual(['upsert']);
      const audits = await h.deps.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetId, gateway.id), eq(auditLog.action, 'gateway.assign_api')));
      expect(audits.map((a) => a.diff)).toEqual(expect.arrayContaining([{ apiId: [null, apiId] }, {}]));

      await expect(owner.client.call((c) => c.gateways.unassignApi({ gatewayId: gateway.id, apiId }))).resolves.toEqual({
        ok: true,
      });
      await expect(owner.client.call((c) => c.gateways.unassignApi({ gatewayId: gateway.id, apiId }))).resolves.toEqual({
        ok: true,
      });
      expect((await owner.client.call((c) => c.gateways.listApis({ gatewayId: gateway.id }))).items).toEqual([]);
    });

    it("answers NOT_FOUND for another tenant's API or gateway", async () => {
      const gateway = await createGateway();
      const foreignApi = await insertApi(stranger);
      const foreignGateway = await createGateway(stranger.client);
      const ownApi = await insertApi(owner);

      for (const call of [
        () => owner.client.call((c) => c.gateways.assignApi({ gatewayId: gateway.id, apiId: foreignApi })),
        () => owner.client.call((c) => c.gateways.unassignApi({ gatewayId: gateway.id, apiId: foreignApi })),
        () => owner.client.call((c) => c.gateways.assignApi({ gatewayId: foreignGateway.id, apiId: ownApi })),
        () => owner.client.call((c) => c.gateways.listApis({ gatewayId: foreignGateway.id })),
      ]) {
        expect((await errorOf(call())).code).toBe('CP_ERR_NOT_FOUND');
      }
      expect(await h.deps.db.$count(gatewayApis, eq(gatewayApis.apiId, foreignApi))).toBe(0);
    });
  });

  describe('access tokens', () => {
    it('shows the token once and stores only its hash', async () => {
      const gateway = await createGateway();
      const created = await owner.client.call((c) =>
        c.gateways.createToken({ gatewayId: gateway.id, name: 'rack 1', expiresInDays: 30 }),
      );
      expect(created.token).toMatch(/^gwk_[A-Za-z0-9_-]{43}$/);
      expect(created).toMatchObject({
        id: expect.stringMatching(/^gwt_/) as string,
        gatewayId: gateway.id,
        name: 'rack 1',
        prefix: created.token.slice(0, 10),
        createdBy: owner.userId,
        revokedAt: null,
      });
      const days = (Date.parse(created.expiresAt) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30);

      const [row] = await h.deps.db.select().from(gatewayTokens).where(eq(gatewayTokens.id, created.id));
      expect(row!.tokenHash).toBe(hashToken(created.token));
      expect(JSON.stringify(row)).not.toContain(created.token);

      const tokens = await owner.client.call((c) => c.gateways.listTokens({ gatewayId: gateway.id }));
      const audit = await owner.client.call((c) => c.audit.list({ targetId: created.id }));
      expect(tokens).toMatchObject({ items: [{ id: created.id, prefix: created.prefix }] });
      expect(audit.items.map((a) => a.action)).toEqual(['gateway.token.create']);
      expect(JSON.stringify([tokens, audit])).not.toContain(created.token);
      expect(JSON.stringify(await h.deps.db.select().from(auditLog))).not.toContain(created.token);
    });

    it('requires an expiry of 1 to 365 days', async () => {
      const gateway = await createGateway();
      for (const expiresInDays of [undefined, null, 0, 366, 1.5]) {
        const error = await errorOf(
          owner.client.call((c) =>
            c.gateways.createToken({ gatewayId: gateway.id, name: 'x', expiresInDays } as unknown as Parameters<
              typeof c.gateways.createToken
            >[0]),
          ),
        );
        expect(error.code).toBe('CP_ERR_VALIDATION');
        expect(Object.keys(error.fields ?? {})).toEqual(['expiresInDays']);
      }
    });

    it('revokes a token of that gateway only, once', async () => {
      const gateway = await createGateway();
      const other = await createGateway();
      const token = await owner.client.call((c) =>
        c.gateways.createToken({ gatewayId: gateway.id, name: 'old', expiresInDays: 1 }),
      );

      const wrongGateway = await errorOf(
        owner.client.call((c) => c.gateways.revokeToken({ gatewayId: other.id, tokenId: token.id })),
      );
      expect(wrongGateway.code).toBe('CP_ERR_NOT_FOUND');

      const revoked = await owner.client.call((c) => c.gateways.revokeToken({ gatewayId: gateway.id, tokenId: token.id }));
      expect(revoked.revokedAt).not.toBeNull();
      const again = await owner.client.call((c) => c.gateways.revokeToken({ gatewayId: gateway.id, tokenId: token.id }));
      expect(again.revokedAt).toBe(revoked.revokedAt);
      const [row] = await h.deps.db.select().from(gatewayTokens).where(eq(gatewayTokens.id, token.id));
      expect(row!.revokedAt?.toISOString()).toBe(revoked.revokedAt);
    });
  });

  describe('instances', () => {
    it('derives the status from the last heartbeat', () => {
      const now = new Date('2025-01-01T12:00:00Z');
      const ago = (ms: number) => new Date(now.getTime() - ms);
      expect(instanceStatus(now, now)).toBe('in-sync');
      expect(instanceStatus(ago(IN_SYNC_WITHIN_MS), now)).toBe('in-sync');
      expect(instanceStatus(ago(IN_SYNC_WITHIN_MS + 1), now)).toBe('behind');
      expect(instanceStatus(ago(GONE_AFTER_MS), now)).toBe('behind');
      expect(instanceStatus(ago(GONE_AFTER_MS + 1), now)).toBe('gone');
    });

    it('lists the instances of a gateway with their status', async () => {
      const gateway = await createGateway();
      const other = await createGateway();
      // Heartbeats write these rows in a later issue; until then, insert them as a heartbeat would.
      const beat = (instanceKey: string, silentForMs: number, gatewayId = gateway.id) => ({
        id: newId('gwi'),
        tenantId: owner.tenantId,
        gatewayId,
        instanceKey,
        hostname: `${instanceKey}.local`,
        agentVersion: '0.1.0',
        appliedRevision: 7,
        configHash: 'sha256:abc',
        lastHeartbeatAt: new Date(Date.now() - silentForMs),
      });
      await h.deps.db
        .insert(gatewayInstances)
        .values([
          beat('fresh', 1_000),
          beat('late', IN_SYNC_WITHIN_MS + 10_000),
          beat('nearly-gone', GONE_AFTER_MS - 10_000),
          beat('gone', GONE_AFTER_MS + 10_000),
          beat('elsewhere', 0, other.id),
        ]);

      const page = await owner.client.call((c) => c.gateways.listInstances({ gatewayId: gateway.id }));
      expect(Object.fromEntries(page.items.map((i) => [i.instanceKey, i.status]))).toEqual({
        fresh: 'in-sync',
        late: 'behind',
        'nearly-gone': 'behind',
        gone: 'gone',
      });
      expect(page.items.find((i) => i.instanceKey === 'fresh')).toMatchObject({
        gatewayId: gateway.id,
        hostname: 'fresh.local',
        appliedRevision: 7,
        health: 'healthy',
      });

      const foreign = await errorOf(stranger.client.call((c) => c.gateways.listInstances({ gatewayId: gateway.id })));
      expect(foreign.code).toBe('CP_ERR_NOT_FOUND');
    });
  });
});
