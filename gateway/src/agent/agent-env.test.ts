import { describe, expect, it } from 'vitest';
import { readAgentEnv } from './agent-env.js';

const base = { PORTICO_TENANT_ID: 'ten_abc', PORTICO_GATEWAY_ID: 'gw_def', PORTICO_GATEWAY_TOKEN: 'gwk_secret' };

describe('readAgentEnv', () => {
  it('applies the documented defaults', () => {
    expect(readAgentEnv(base)).toMatchObject({
      natsUrl: 'nats://127.0.0.1:4222',
      port: 8080,
      adminPort: 8090,
      adminHost: '127.0.0.1',
      backupPath: './portico-gateway.backup',
      drainTimeoutMs: 10_000,
      outboundAllow: '',
      policyCacheBytes: 64 * 1024 * 1024,
      traceSeverity: 'information',
      location: '',
    });
  });

  it('names the variable that is missing or wrong', () => {
    expect(() => readAgentEnv({ ...base, PORTICO_GATEWAY_TOKEN: '' })).toThrow(/PORTICO_GATEWAY_TOKEN is required/);
    expect(() => readAgentEnv({ ...base, PORTICO_GATEWAY_PORT: '80a' })).toThrow(/PORTICO_GATEWAY_PORT must be a port number/);
    // A `.` or `*` would widen the NATS subjects the agent uses.
    expect(() => readAgentEnv({ ...base, PORTICO_GATEWAY_ID: 'gw.*' })).toThrow(
      /PORTICO_GATEWAY_ID .* cannot be a NATS subject token/,
    );
    expect(() => readAgentEnv({ ...base, PORTICO_OUTBOUND_ALLOW: '10.0.0.0/x' })).toThrow(
      /PORTICO_OUTBOUND_ALLOW: outbound allow-list: '10.0.0.0\/x' is not a CIDR range/,
    );
    expect(() => readAgentEnv({ ...base, PORTICO_POLICY_CACHE_MB: '0' })).toThrow(
      /PORTICO_POLICY_CACHE_MB must be a whole number/,
    );
    expect(() => readAgentEnv({ ...base, PORTICO_TRACE_SEVERITY: 'debug' })).toThrow(
      /PORTICO_TRACE_SEVERITY must be verbose, information or error/,
    );
  });
});
