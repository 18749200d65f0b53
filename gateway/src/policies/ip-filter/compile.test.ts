import { describe, expect, it } from 'vitest';
import { runInbound } from '../../pipeline/testing.js';
import { ipFilterExample } from './example.js';

const filter = (config: Record<string, unknown>) => ({ inbound: [{ 'ip-filter': config }] });
const allow = filter({ action: 'allow', address: ['192.0.2.7'], 'address-range': [{ from: '10.0.0.0', to: '10.0.255.255' }] });

async function refused(document: ReturnType<typeof filter>, ip: string): Promise<boolean> {
  const ctx = await runInbound(document, { ip });
  return ctx.lastError?.reason === 'caller-ip-not-allowed' && ctx.response?.status === 403;
}

describe('ip-filter at run time', () => {
  it('allow: only listed addresses and inclusive ranges pass', async () => {
    expect(await refused(allow, '192.0.2.7')).toBe(false);
    expect(await refused(allow, '10.0.0.0')).toBe(false);
    expect(await refused(allow, '10.0.255.255')).toBe(false);
    expect(await refused(allow, '10.1.0.0')).toBe(true);
    expect(await refused(allow, '')).toBe(true);
  });

  it('treats IPv4-mapped IPv6 callers as IPv4', async () => {
    expect(await refused(allow, '::ffff:10.0.3.4')).toBe(false);
  });

  it('forbid: listed addresses are refused, others pass; IPv6 ranges compare as numbers', async () => {
    const forbid = filter(ipFilterExample);
    expect(await refused(forbid, '198.51.100.23')).toBe(true);
    expect(await refused(forbid, '203.0.113.200')).toBe(true);
    expect(await refused(forbid, '2001:db8::abcd')).toBe(true);
    expect(await refused(forbid, '2001:db8::1:0')).toBe(false);
    expect(await refused(forbid, '198.51.100.24')).toBe(false);
  });
});
