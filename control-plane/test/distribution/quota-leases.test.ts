import { create } from '@bufbuild/protobuf';
import { QuotaDemandSchema, QuotaLeaseRequestSchema, type QuotaLeaseReply } from '@portico/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuotaLeaseHandler } from '../../src/distribution/quota-leases.js';
import { createHarness, signUp, type Harness, type SignedUp } from '../harness.js';

const HOUR_MS = 3_600_000;

describe('quota lease service', () => {
  let h: Harness;
  let owner: SignedUp;
  let stranger: SignedUp;
  let gatewayId = '';

  beforeAll(async () => {
    h = await createHarness();
    owner = await signUp(h, 'Quota', 'quota-owner');
    stranger = await signUp(h, 'Elsewhere', 'quota-stranger');
    gatewayId = (await owner.client.call((c) => c.gateways.create({ name: 'leases' }))).id;
  });

  afterAll(() => h.close());

  const demand = (
    counter: string,
    want: number,
    init: { returnedCalls?: number; limitKilobytes?: bigint; usedBytes?: bigint; periodStartMs?: bigint } = {},
  ) =>
    create(QuotaDemandSchema, {
      counter,
      limitCalls: 100n,
      periodStartMs: BigInt(Math.floor(Date.now() / HOUR_MS) * HOUR_MS),
      periodSeconds: 3600,
      wantCalls: want,
      ...init,
    });
  const request = (...demands: ReturnType<typeof demand>[]) => create(QuotaLeaseRequestSchema, { instanceId: 'i1', demands });
  const granted = (reply: QuotaLeaseReply) => reply.grants.reduce((sum, grant) => sum + grant.grantedCalls, 0);

  it('never grants more than the limit, even to two replicas leasing the same counter at once', async () => {
    const replicas = [
      createQuotaLeaseHandler({ db: h.deps.db, logger: h.deps.logger }),
      createQuotaLeaseHandler({ db: h.deps.db, logger: h.deps.logger }),
    ];
    const from = { tenantId: owner.tenantId, gatewayId };
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => replicas[i % 2]!(from, request(demand('stmt|sub_1', 50)))),
    );
    expect(replies.every((reply) => reply.error === '')).toBe(true);
    expect(replies.reduce((sum, reply) => sum + granted(reply), 0)).toBe(100);
    const last = await replicas[0]!(from, request(demand('stmt|sub_1', 50)));
    expect(last.grants[0]).toMatchObject({ grantedCalls: 0, grantedTotal: 100n });
  });

  it('takes returned calls back, counts bytes against the bandwidth limit, and starts a new period afresh', async () => {
    const lease = createQuotaLeaseHandler({ db: h.deps.db, logger: h.deps.logger });
    const from = { tenantId: owner.tenantId, gatewayId };
    const counter = 'stmt|sub_2';
    expect(granted(await lease(from, request(demand(counter, 10))))).toBe(10);
    const back = await lease(from, request(demand(counter, 0, { returnedCalls: 4, limitKilobytes: 1n, usedBytes: 2048n })));
    expect(back.grants[0]).toMatchObject({ grantedTotal: 6n, bandwidthExhausted: true, usedBytesTotal: 2048n });
    const next = BigInt(Math.floor(Date.now() / HOUR_MS) * HOUR_MS + HOUR_MS);
    const fresh = await lease(from, request(demand(counter, 10, { periodStartMs: next, limitKilobytes: 1n })));
    expect(fresh.grants[0]).toMatchObject({
      grantedCalls: 10,
      grantedTotal: 10n,
      bandwidthExhausted: false,
      periodStartMs: next,
    });
  });

  it('refuses a gateway of another tenant and malformed demands, naming the problem', async () => {
    const lease = createQuotaLeaseHandler({ db: h.deps.db, logger: h.deps.logger });
    expect((await lease({ tenantId: stranger.tenantId, gatewayId }, request(demand('x', 1)))).error).toBe('unknown gateway');
    expect((await lease({ tenantId: owner.tenantId, gatewayId }, request(demand('', 1)))).error).toMatch(
      /counter must be 1–1024 characters/,
    );
  });
});
