import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import {
  AgentReportSchema,
  GatewayViewSchema,
  Health,
  SnapshotRequestSchema,
  type AgentReport,
  type Delta,
  type GatewayView,
} from '@portico/proto';
import {
  SnapshotRefusedError,
  createInProcessTransport,
  type InProcessTransport,
  applyDelta as applyAgentDelta,
} from '@portico/proto/distribution';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayView } from '../../src/compiler/build-gateway-view.js';
import { canonicalize, hashView } from '../../src/compiler/hash-view.js';
import { createControlPlane } from '../../src/control-plane.js';
import { openPglite } from '../../src/db/client.js';
import { gatewayInstances, gateways, gatewayTokens, tenants } from '../../src/db/schema/index.js';
import { createConfigPublisher } from '../../src/distribution/config-publisher.js';
import { TOKEN_REFUSED, UNKNOWN_GATEWAY } from '../../src/distribution/snapshot-service.js';
import { startDistribution, type Distribution } from '../../src/distribution/start-distribution.js';
import { CONFIG_CHANGE_CHANNEL, recordConfigChange } from '../../src/modules/config/record-config-change.js';
import { GONE_AFTER_MS } from '../../src/modules/gateways/instance-status.js';
import { createHarness, signUp, type Harness, type SignedUp } from '../harness.js';

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ticks = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** What an agent does with a delta, in the canonical order the control plane hashes. */
const applyDelta = (view: GatewayView, delta: Delta): GatewayView => canonicalize(applyAgentDelta(view, delta));

describe('config distribution', () => {
  let h: Harness;
  let owner: SignedUp;
  let stranger: SignedUp;
  let transport: InProcessTransport;
  let distribution: Distribution;

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Distribution', 'dist-owner');
    stranger = await signUp(h, 'Elsewhere', 'dist-stranger');
    transport = createInProcessTransport();
    // A long poll: these tests prove the NOTIFY path; the poll has its own test.
    distribution = await startDistribution({
      database: h.database,
      transport: transport.controlPlane,
      secretKey: h.deps.config.secretKey,
      logger: h.deps.logger,
      pollIntervalMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await distribution.close();
    await h.close();
  });

  const revisionOf = async (tenantId: string) => {
    const [row] = await h.deps.db.select({ revision: tenants.configRevision }).from(tenants).where(eq(tenants.id, tenantId));
    return row!.revision;
  };

  /** Waits until the publisher has handled every committed change of the tenant and deltas are delivered. */
  async function settle(tenantId: string, publisher = distribution.publisher) {
    const revision = await revisionOf(tenantId);
    await waitFor(() => (publisher.processedRevision(tenantId) ?? -1) >= revision, `revision ${revision} to be processed`);
    await publisher.idle();
    await ticks();
  }

  function listen(tenantId: string, gatewayId: string, on = transport) {
    const agent = on.agent({ tenantId, gatewayId });
    const deltas: Delta[] = [];
    agent.onDelta((delta) => deltas.push(delta));
    return { agent, deltas };
  }

  let counter = 0;
  const newGateway = (who: SignedUp) => who.client.call((c) => c.gateways.create({ name: `gw ${++counter}` }));
  const newApi = async (who: SignedUp) => {
    const api = await who.client.call((c) =>
      c.apis.create({ workspaceId: who.workspaceId, name: `API ${++counter}`, path: `api-${counter}`, backendId: null }),
    );
    const op = await who.client.call((c) =>
      c.operations.create({
        workspaceId: who.workspaceId,
        apiId: api.id,
        name: 'getItem',
        method: 'GET',
        urlTemplate: '/items/{id}',
      }),
    );
    return { api, op };
  };
  const addOperation = (who: SignedUp, apiId: string) =>
    who.client.call((c) =>
      c.operations.create({
        workspaceId: who.workspaceId,
        apiId,
        name: `op${++counter}`,
        method: 'GET',
        urlTemplate: `/things-${counter}`,
      }),
    );
  const built = (tenantId: string, gatewayId: string) =>
    buildGatewayView(h.deps.db, h.deps.config.secretKey, tenantId, gatewayId);

  describe('the change signal', () => {
    it('notifies at commit, once per transaction, and never for a rolled-back change', async () => {
      const heard: string[] = [];
      const listener = await h.database.listen(CONFIG_CHANGE_CHANNEL, (payload) => heard.push(payload));
      try {
        const before = await revisionOf(owner.tenantId);
        await h.deps.db
          .transaction(async (tx) => {
            await recordConfigChange(tx, owner.tenantId, [{ entityType: 'api', entityId: 'api_rolledback', op: 'upsert' }]);
            throw new Error('roll back');
          })
          .catch(() => undefined);
        await h.deps.db.transaction(async (tx) => {
          await recordConfigChange(tx, stranger.tenantId, [{ entityType: 'api', entityId: 'api_x1', op: 'upsert' }]);
          await recordConfigChange(tx, stranger.tenantId, [{ entityType: 'api', entityId: 'api_x2', op: 'upsert' }]);
        });
        // Notifications come in commit order: once the committed one is here, a rolled-back one would be too.
        await waitFor(() => heard.length > 0, 'the notification');
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(heard).toEqual([stranger.tenantId]);
        expect(await revisionOf(owner.tenantId)).toBe(before);
      } finally {
        await listener.close();
      }
    });

    it('works on PGlite too', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'portico-listen-'));
      const database = await openPglite(dir);
      try {
        const heard: string[] = [];
        const listener = await database.listen(CONFIG_CHANGE_CHANNEL, (payload) => heard.push(payload));
        await database.db.transaction(async (tx) => {
          await tx.execute(sql`select pg_notify(${CONFIG_CHANGE_CHANNEL}, 'ten_pglite')`);
        });
        await database.db
          .transaction(async (tx) => {
            await tx.execute(sql`select pg_notify(${CONFIG_CHANGE_CHANNEL}, 'ten_rolledback')`);
            throw new Error('roll back');
          })
          .catch(() => undefined);
        await waitFor(() => heard.length > 0, 'the PGlite notification');
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(heard).toEqual(['ten_pglite']);
        await listener.close();
      } finally {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('deltas', () => {
    let g1: string;
    let g2: string;
    let foreign: string;
    let agent1: ReturnType<typeof listen>;
    let agent2: ReturnType<typeof listen>;
    let agentForeign: ReturnType<typeof listen>;
    let apiId: string;
    /** The view agent 1 holds, by applying every delta it got. */
    let held: GatewayView;

    beforeAll(async () => {
      g1 = (await newGateway(owner)).id;
      g2 = (await newGateway(owner)).id;
      foreign = (await newGateway(stranger)).id;
      agent1 = listen(owner.tenantId, g1);
      agent2 = listen(owner.tenantId, g2);
      agentForeign = listen(stranger.tenantId, foreign);
      await settle(owner.tenantId);
      await settle(stranger.tenantId);
    });

    it('tells a new gateway its (empty) config with a resync delta', async () => {
      const view = await built(owner.tenantId, g1);
      const [row] = await h.deps.db.select().from(gateways).where(eq(gateways.id, g1));
      expect(row).toMatchObject({ publishedHash: view.contentHash, publishedAt: expect.any(Date) as Date });
      // The agent subscribed once the gateway existed, so it may have missed that first delta.
      expect(agent1.deltas.length).toBeLessThanOrEqual(1);
      for (const delta of agent1.deltas) expect(delta).toMatchObject({ resync: true, contentHash: view.contentHash });
      held = create(GatewayViewSchema, { tenantId: owner.tenantId, gatewayId: g1, revision: BigInt(row!.publishedRevision!) });
      agent1.deltas.length = 0;
      agent2.deltas.length = 0;
      agentForeign.deltas.length = 0;
    });

    it('publishes an assigned API to its gateway only, with chaining revisions', async () => {
      const { api } = await newApi(owner);
      apiId = api.id;
      await settle(owner.tenantId);
      expect(agent1.deltas).toHaveLength(0); // an unassigned API reaches no gateway

      await owner.client.call((c) => c.gateways.assignApi({ gatewayId: g1, apiId }));
      await settle(owner.tenantId);
      expect(agent1.deltas).toHaveLength(1);
      const delta = agent1.deltas[0]!;
      const view = await built(owner.tenantId, g1);
      expect(delta.resync).toBe(false);
      expect(delta.fromRevision).toBe(held.revision);
      expect(delta.toRevision).toBe(view.revision);
      expect(delta.contentHash).toBe(view.contentHash);
      expect(delta.upsertedApis.map((a) => [a.id, a.operations.length])).toEqual([[apiId, 1]]);
      expect(delta.upsertedPipelines).toHaveLength(1);
      held = applyDelta(held, delta);
      expect(hashView(held)).toBe(view.contentHash);

      await addOperation(owner, apiId);
      await settle(owner.tenantId);
      expect(agent1.deltas).toHaveLength(2);
      const next = agent1.deltas[1]!;
      expect(next.fromRevision).toBe(delta.toRevision);
      expect(next.upsertedApis).toHaveLength(1);
      expect(next.removedApiIds).toEqual([]);
      held = applyDelta(held, next);
      expect(hashView(held)).toBe((await built(owner.tenantId, g1)).contentHash);

      expect(agent2.deltas).toEqual([]);
      expect(agentForeign.deltas).toEqual([]);
    });

    it('publishes nothing when the views stay the same', async () => {
      const count = agent1.deltas.length;
      const before = await revisionOf(owner.tenantId);
      const gateway2 = await owner.client.call((c) => c.gateways.get({ gatewayId: g2 }));
      await owner.client.call((c) => c.gateways.update({ gatewayId: g2, version: gateway2.version, name: 'renamed' }));
      const unassigned = await newApi(owner);
      await owner.client.call((c) =>
        c.policies.api.set({
          workspaceId: owner.workspaceId,
          apiId: unassigned.api.id,
          source: 'inbound:\n  - base: {}\n  - set-header: { name: x-unused, value: ["1"] }\n',
        }),
      );
      await settle(owner.tenantId);
      expect(await revisionOf(owner.tenantId)).toBeGreaterThan(before);
      expect(agent1.deltas).toHaveLength(count);
      expect(agent2.deltas).toEqual([]);
    });

    it('removes what is gone', async () => {
      const { api: extra } = await newApi(owner);
      await owner.client.call((c) => c.gateways.assignApi({ gatewayId: g1, apiId: extra.id }));
      await settle(owner.tenantId);
      held = applyDelta(held, agent1.deltas.at(-1)!);
      await owner.client.call((c) => c.gateways.unassignApi({ gatewayId: g1, apiId: extra.id }));
      await settle(owner.tenantId);
      const removal = agent1.deltas.at(-1)!;
      expect(removal.removedApiIds).toEqual([extra.id]);
      expect(removal.removedPipelines.map((p) => p.operationId)).toHaveLength(1);
      expect(removal.upsertedApis).toEqual([]);
      held = applyDelta(held, removal);
      expect(hashView(held)).toBe((await built(owner.tenantId, g1)).contentHash);
    });

    it('coalesces a burst of changes into fewer deltas that end at the current view', async () => {
      const count = agent1.deltas.length;
      const burst = 12;
      await Promise.all(Array.from({ length: burst }, () => addOperation(owner, apiId)));
      await settle(owner.tenantId);
      const deltas = agent1.deltas.slice(count);
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.length).toBeLessThan(burst);
      for (const delta of deltas) {
        expect(delta.fromRevision).toBe(held.revision);
        held = applyDelta(held, delta);
      }
      const view = await built(owner.tenantId, g1);
      expect(deltas.at(-1)!.contentHash).toBe(view.contentHash);
      expect(hashView(held)).toBe(view.contentHash);
      expect(held.apis.find((a) => a.id === apiId)!.operations).toHaveLength(2 + burst);
    });

    describe('snapshots', () => {
      let token: string;
      const request = (accessToken: string, haveRevision = 0n) =>
        create(SnapshotRequestSchema, { instanceId: 'i-1', haveRevision, accessToken });
      const refusal = async (promise: Promise<unknown>) => {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SnapshotRefusedError);
        return (error as Error).message;
      };

      beforeAll(async () => {
        token = (await owner.client.call((c) => c.gateways.createToken({ gatewayId: g1, name: 'agent', expiresInDays: 7 })))
          .token;
      });

      it('serves the current view for a valid token, and deltas chain from it', async () => {
        await addOperation(owner, apiId);
        await settle(owner.tenantId);
        const snapshot = await agent1.agent.requestSnapshot(request(token), 5_000);
        expect(snapshot).toEqual(await built(owner.tenantId, g1));
        const [row] = await h.deps.db.select().from(gatewayTokens).where(eq(gatewayTokens.gatewayId, g1));
        expect(row!.lastUsedAt).not.toBeNull();

        // A change elsewhere in the tenant moves the revision, not this gateway's content: the
        // snapshot keeps the revision that content was published at, so older agents still chain.
        await newGateway(owner);
        await settle(owner.tenantId);
        const again = await agent1.agent.requestSnapshot(request(token), 5_000);
        const now = await built(owner.tenantId, g1);
        expect(now.revision).toBeGreaterThan(snapshot.revision);
        expect(again).toEqual({ ...now, revision: snapshot.revision });

        const count = agent1.deltas.length;
        await addOperation(owner, apiId);
        await settle(owner.tenantId);
        expect(agent1.deltas).toHaveLength(count + 1);
        const delta = agent1.deltas.at(-1)!;
        expect(delta.fromRevision).toBe(again.revision);
        expect(hashView(applyDelta(again, delta))).toBe((await built(owner.tenantId, g1)).contentHash);
        expect(h.logs.text).not.toContain(token);
      });

      it('refuses a wrong, expired or revoked token, another gateway, or an unknown one', async () => {
        expect(await refusal(agent1.agent.requestSnapshot(request('gwk_not-a-token'), 5_000))).toBe(TOKEN_REFUSED);
        expect(await refusal(agent1.agent.requestSnapshot(request(''), 5_000))).toBe(TOKEN_REFUSED);
        // g1's token at g2's address, and at another tenant's gateway.
        expect(await refusal(agent2.agent.requestSnapshot(request(token), 5_000))).toBe(TOKEN_REFUSED);
        expect(await refusal(agentForeign.agent.requestSnapshot(request(token), 5_000))).toBe(TOKEN_REFUSED);
        // g1 under the wrong tenant is no gateway at all.
        const lost = transport.agent({ tenantId: stranger.tenantId, gatewayId: g1 });
        expect(await refusal(lost.requestSnapshot(request(token), 5_000))).toBe(UNKNOWN_GATEWAY);

        const expiring = await owner.client.call((c) =>
          c.gateways.createToken({ gatewayId: g1, name: 'expiring', expiresInDays: 1 }),
        );
        await h.deps.db
          .update(gatewayTokens)
          .set({ expiresAt: new Date(Date.now() - 1000) })
          .where(eq(gatewayTokens.id, expiring.id));
        expect(await refusal(agent1.agent.requestSnapshot(request(expiring.token), 5_000))).toBe(TOKEN_REFUSED);

        const revoked = await owner.client.call((c) =>
          c.gateways.createToken({ gatewayId: g1, name: 'revoked', expiresInDays: 1 }),
        );
        expect((await agent1.agent.requestSnapshot(request(revoked.token), 5_000)).gatewayId).toBe(g1);
        await owner.client.call((c) => c.gateways.revokeToken({ gatewayId: g1, tokenId: revoked.id }));
        expect(await refusal(agent1.agent.requestSnapshot(request(revoked.token), 5_000))).toBe(TOKEN_REFUSED);
        expect(h.logs.text).not.toContain(revoked.token);
      });
    });

    describe('fleet reports', () => {
      const heartbeat = (
        instanceId: string,
        view: { revision: bigint; contentHash: string },
        health = Health.SERVING,
      ): AgentReport =>
        create(AgentReportSchema, {
          report: {
            case: 'heartbeat',
            value: {
              instanceId,
              hostname: `${instanceId}.local`,
              agentVersion: '0.1.0',
              revision: view.revision,
              contentHash: view.contentHash,
              health,
              counters: { requests: 42n },
            },
          },
        });
      const applyResult = (instanceId: string, revision: bigint, applied: boolean, error = ''): AgentReport =>
        create(AgentReportSchema, {
          report: { case: 'applyResult', value: { instanceId, revision, contentHash: applied ? 'h' : '', applied, error } },
        });
      const instances = async () =>
        Object.fromEntries(
          (await owner.client.call((c) => c.gateways.listInstances({ gatewayId: g1 }))).items.map((i) => [i.instanceKey, i]),
        );
      const rowOf = async (instanceKey: string) =>
        (await h.deps.db.select().from(gatewayInstances).where(eq(gatewayInstances.instanceKey, instanceKey)))[0];

      it('shows instances in sync, behind, failed and gone', async () => {
        const gateway = await owner.client.call((c) => c.gateways.get({ gatewayId: g1 }));
        expect(gateway.publishedHash).toMatch(/^[0-9a-f]{64}$/);
        const current = { revision: BigInt(gateway.publishedRevision!), contentHash: gateway.publishedHash! };

        await agent1.agent.report(heartbeat('current', current));
        await agent1.agent.report(heartbeat('older', { revision: 1n, contentHash: 'old-hash' }, Health.SERVING_FROM_BACKUP));
        await agent1.agent.report(heartbeat('silent', current));
        await waitFor(async () => (await rowOf('silent')) !== undefined, 'the heartbeats');
        await h.deps.db
          .update(gatewayInstances)
          .set({ lastHeartbeatAt: new Date(Date.now() - GONE_AFTER_MS - 1000) })
          .where(eq(gatewayInstances.instanceKey, 'silent'));

        let list = await instances();
        expect(list.current).toMatchObject({
          status: 'in-sync',
          configHash: current.contentHash,
          appliedRevision: Number(current.revision),
          health: 'healthy',
          hostname: 'current.local',
          counters: { requests: 42 },
        });
        expect(list.older).toMatchObject({ status: 'behind', health: 'serving-from-backup', configHash: 'old-hash' });
        expect(list.silent!.status).toBe('gone');

        // A NACK for a newer revision than it runs: failed, with the reason (long ones cut).
        await agent1.agent.report(applyResult('current', current.revision + 1n, false, `bad regex ${'x'.repeat(5000)}`));
        await waitFor(async () => (await rowOf('current'))?.nackRevision != null, 'the NACK');
        list = await instances();
        expect(list.current).toMatchObject({ status: 'failed', nackRevision: Number(current.revision) + 1 });
        expect(list.current!.nackReason).toMatch(/^bad regex x+…$/);
        expect(list.current!.nackReason!.length).toBeLessThanOrEqual(2000);

        // Heartbeats repeat what it runs; it stays failed until it applies that revision or a later one.
        await agent1.agent.report(heartbeat('current', current));
        await ticks();
        expect((await instances()).current!.status).toBe('failed');
        await agent1.agent.report(applyResult('current', current.revision + 1n, true));
        await waitFor(async () => (await rowOf('current'))?.nackRevision === null, 'the NACK to clear');
        expect(await rowOf('current')).toMatchObject({ appliedRevision: Number(current.revision) + 1, nackReason: null });
        await agent1.agent.report(heartbeat('current', current));
        await waitFor(async () => (await rowOf('current'))?.appliedRevision === Number(current.revision), 'the heartbeat');
        expect((await instances()).current!.status).toBe('in-sync');
      });

      it('ignores reports for a gateway that is not the tenant’s', async () => {
        const lost = transport.agent({ tenantId: stranger.tenantId, gatewayId: g1 });
        await lost.report(heartbeat('intruder', { revision: 1n, contentHash: 'x' }));
        await waitFor(() => h.logs.text.includes('fleet: ignored reports for an unknown gateway'), 'the warning');
        expect(await rowOf('intruder')).toBeUndefined();
      });
    });

    describe('a publisher without a base', () => {
      it('catches up by polling and sends a resync delta, then deltas', async () => {
        // Stop the running publisher, as when the control plane goes down.
        await distribution.close();
        const other = createInProcessTransport();
        const fresh = listen(owner.tenantId, g1, other);
        const publisher = createConfigPublisher({
          db: h.deps.db,
          secretKey: h.deps.config.secretKey,
          transport: other.controlPlane,
          logger: h.deps.logger,
        });
        await addOperation(owner, apiId);
        // Nothing listens for NOTIFY here: only the poll finds the change.
        await publisher.poll();
        await settle(owner.tenantId, publisher);
        const view = await built(owner.tenantId, g1);
        expect(fresh.deltas).toHaveLength(1);
        expect(fresh.deltas[0]).toMatchObject({ resync: true, toRevision: view.revision, contentHash: view.contentHash });
        expect(fresh.deltas[0]!.upsertedApis).toEqual([]);

        await addOperation(owner, apiId);
        publisher.changed(owner.tenantId);
        await settle(owner.tenantId, publisher);
        expect(fresh.deltas).toHaveLength(2);
        expect(fresh.deltas[1]).toMatchObject({ resync: false, fromRevision: view.revision });
        await publisher.close();
      });
    });
  });

  describe('the control plane', () => {
    it('runs distribution between listen() and close() when given a transport', async () => {
      const inProcess = createInProcessTransport();
      const plane = await createControlPlane(
        { ...h.deps.config, port: 0, host: '127.0.0.1' },
        h.deps.logger,
        { ...h.database, close: async () => {} },
        { transport: inProcess.controlPlane },
      );
      expect(plane.distribution).toBeUndefined();
      await plane.listen();
      try {
        const gateway = await newGateway(owner);
        await settle(owner.tenantId, plane.distribution!.publisher);
        const agent = listen(owner.tenantId, gateway.id, inProcess);
        const { api } = await newApi(owner);
        await owner.client.call((c) => c.gateways.assignApi({ gatewayId: gateway.id, apiId: api.id }));
        await settle(owner.tenantId, plane.distribution!.publisher);
        expect(agent.deltas).toHaveLength(1);
        expect(agent.deltas[0]!.contentHash).toBe((await built(owner.tenantId, gateway.id)).contentHash);
      } finally {
        await plane.close();
      }
      expect(plane.distribution).toBeUndefined();
    });
  });
});
