import type { QuotaLeaseReply, QuotaLeaseRequest } from '@portico/proto';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaCounters, OFFLINE_SHARE, RECHECK_MS, type QuotaLimits } from './quota-counters.js';
import { quotaGrant, quotaPeriodStart } from './quota-grant.js';
import { QuotaLedger } from './quota-ledger.js';

const HOUR: QuotaLimits = { calls: 100, kilobytes: 0, periodSeconds: 3600, firstPeriodStartMs: 0 };

describe('quotaGrant', () => {
  it('never grants beyond the limit, at most an eighth of what is left, at least one call while any is left', () => {
    expect(quotaGrant(100, 0, 1000)).toBe(13);
    expect(quotaGrant(100, 0, 5)).toBe(5);
    expect(quotaGrant(100, 97, 50)).toBe(1);
    expect(quotaGrant(100, 100, 50)).toBe(0);
    expect(quotaGrant(100, 120, 50)).toBe(0);
    let granted = 0;
    for (let i = 0; i < 1000; i++) granted += quotaGrant(100, granted, 1000);
    expect(granted).toBe(100);
  });

  it('aligns periods on their first start', () => {
    expect(quotaPeriodStart(7_200_500, 3600, 0)).toBe(7_200_000);
    expect(quotaPeriodStart(5_000, 10, 1_000)).toBe(1_000);
    expect(quotaPeriodStart(11_500, 10, 1_000)).toBe(11_000);
    expect(quotaPeriodStart(99_999, 0, 0)).toBe(0);
  });
});

describe('QuotaCounters', () => {
  const open: QuotaCounters[] = [];
  afterEach(() => open.splice(0).forEach((counters) => counters.close()));

  /** Two agents sharing one ledger as the control plane's would be; `online` switches the service. */
  function fleet(now: () => number) {
    const ledger = new QuotaLedger();
    const state = { online: true, requests: 0 };
    const lease = (request: QuotaLeaseRequest): Promise<QuotaLeaseReply> => {
      state.requests++;
      return state.online ? Promise.resolve(ledger.lease(request, now())) : Promise.reject(new Error('no responders'));
    };
    const agents = [new QuotaCounters(lease, now), new QuotaCounters(lease, now)];
    open.push(...agents);
    return { agents, state };
  }

  async function take(counters: QuotaCounters, limits = HOUR, amount = 1): Promise<boolean> {
    return counters.take('stmt|sub', limits, amount);
  }

  it('admits exactly the limit across two agents taking turns', async () => {
    let time = 1_000_000;
    const { agents } = fleet(() => time);
    let admitted = 0;
    for (let i = 0; i < 300; i++) if (await take(agents[i % 2]!)) admitted++;
    expect(admitted).toBe(100);
    time += 3_600_000;
    expect(await take(agents[0]!)).toBe(true);
  });

  it('serves most calls from the slice it holds, without a lease request each', async () => {
    const time = 1_000_000;
    const { agents, state } = fleet(() => time);
    for (let i = 0; i < 50; i++) await take(agents[0]!);
    expect(state.requests).toBeLessThan(25);
  });

  it('counts on its own share of the limit, once per period, when the lease service does not answer', async () => {
    let time = 1_000_000;
    const { agents, state } = fleet(() => time);
    state.online = false;
    let admitted = 0;
    for (let i = 0; i < 20; i++) if (await take(agents[0]!)) admitted++;
    expect(admitted).toBe(Math.ceil(HOUR.calls * OFFLINE_SHARE));
    time += RECHECK_MS + 1;
    expect(await take(agents[0]!)).toBe(false);
    state.online = true;
    time += RECHECK_MS + 1;
    expect(await take(agents[0]!)).toBe(true);
  });

  it('gives back calls refunded by an increment-condition', async () => {
    const time = 1_000_000;
    const { agents } = fleet(() => time);
    const limits = { ...HOUR, calls: 2 };
    expect(await take(agents[0]!, limits)).toBe(true);
    agents[0]!.refund('stmt|sub', 1);
    expect(await take(agents[0]!, limits)).toBe(true);
    expect(await take(agents[0]!, limits)).toBe(true);
    expect(await take(agents[0]!, limits)).toBe(false);
  });

  it('refuses once reported bytes reach the bandwidth limit', async () => {
    const time = 1_000_000;
    const { agents } = fleet(() => time);
    const limits = { ...HOUR, calls: 0, kilobytes: 1 };
    expect(await take(agents[0]!, limits)).toBe(true);
    agents[0]!.addBytes('stmt|sub', 1024);
    expect(await take(agents[0]!, limits)).toBe(false);
    expect(agents[0]!.bandwidthExhausted('stmt|sub')).toBe(true);
  });
});
