import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { assertSubjectToken } from '@portico/proto/distribution';
import { traceSeverities, type TraceSeverityName } from '../policies/telemetry-sink.js';
import { OutboundGuard } from '../runtime/upstream/outbound-guard.js';

/** How `portico-gateway` is configured: environment only, so containers and systemd units stay simple. */
export interface AgentEnv {
  natsUrl: string;
  natsCredsFile: string | undefined;
  tenantId: string;
  gatewayId: string;
  accessToken: string;
  backupPath: string;
  host: string;
  port: number;
  adminHost: string;
  adminPort: number;
  instanceId: string;
  drainTimeoutMs: number;
  location: string;
  outboundAllow: string;
  policyCacheBytes: number;
  traceSeverity: TraceSeverityName;
}

/** Every variable, its default and what it is for: the README's table is checked against this. */
export const AGENT_ENV_VARS = {
  PORTICO_NATS_URL: 'NATS server URL(s), comma-separated. Default `nats://127.0.0.1:4222`.',
  PORTICO_NATS_CREDS: 'Path of a NATS `.creds` file (operator-mode deployments). Optional.',
  PORTICO_TENANT_ID: 'Tenant id (`ten_…`) the gateway belongs to. Required.',
  PORTICO_GATEWAY_ID: 'Gateway id (`gw_…`) from the management API. Required.',
  PORTICO_GATEWAY_TOKEN: 'Access token created with `gateways.createToken` (`gwk_…`). Required.',
  PORTICO_BACKUP_PATH: 'Where the last applied config is kept, encrypted. Default `./portico-gateway.backup`.',
  PORTICO_GATEWAY_HOST: 'Traffic listener address. Default `0.0.0.0`.',
  PORTICO_GATEWAY_PORT: 'Traffic port. Default `8080`.',
  PORTICO_GATEWAY_ADMIN_HOST: 'Admin listener address (`/healthz`, `/readyz`, `/metrics`). Default `127.0.0.1`.',
  PORTICO_GATEWAY_ADMIN_PORT: 'Admin port. Default `8090`.',
  PORTICO_INSTANCE_ID: 'How this instance appears in the fleet list. Default `<hostname>-<random>`.',
  PORTICO_DRAIN_TIMEOUT_MS: 'How long in-flight requests may run on shutdown. Default `10000`.',
  PORTICO_LOCATION: "Where this gateway runs (emit-metric's `Location` dimension), e.g. `eu-west on-prem`. Optional.",
  PORTICO_OUTBOUND_ALLOW:
    'Private or loopback targets send-request, set-backend-service base-url and redirects may reach (host names, `*.suffix`, IPs, CIDRs; comma-separated). Default none.',
  PORTICO_POLICY_CACHE_MB: 'Memory for cache-lookup/cache-store and cache-*-value, in MiB. Default `64`.',
  PORTICO_TRACE_SEVERITY:
    'Lowest severity of `trace` statements kept: `verbose`, `information` or `error`. Default `information`.',
} as const;

export class AgentEnvError extends Error {
  override name = 'AgentEnvError';
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new AgentEnvError(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  return value;
}

function required(env: NodeJS.ProcessEnv, name: keyof typeof AGENT_ENV_VARS): string {
  const value = env[name]?.trim();
  if (!value) throw new AgentEnvError(`${name} is required: ${AGENT_ENV_VARS[name]}`);
  return value;
}

/** Reads and checks the environment; every problem names its variable. */
export function readAgentEnv(env: NodeJS.ProcessEnv = process.env): AgentEnv {
  const tenantId = required(env, 'PORTICO_TENANT_ID');
  const gatewayId = required(env, 'PORTICO_GATEWAY_ID');
  for (const [name, value] of [
    ['PORTICO_TENANT_ID', tenantId],
    ['PORTICO_GATEWAY_ID', gatewayId],
  ] as const) {
    try {
      assertSubjectToken(name, value);
    } catch (error) {
      throw new AgentEnvError((error as Error).message);
    }
  }
  const drain = Number(env.PORTICO_DRAIN_TIMEOUT_MS ?? 10_000);
  if (!Number.isInteger(drain) || drain < 0)
    throw new AgentEnvError(
      `PORTICO_DRAIN_TIMEOUT_MS must be a whole number of milliseconds, got ${env.PORTICO_DRAIN_TIMEOUT_MS}`,
    );
  const cacheMb = Number(env.PORTICO_POLICY_CACHE_MB ?? 64);
  if (!Number.isInteger(cacheMb) || cacheMb < 1 || cacheMb > 65_536)
    throw new AgentEnvError(
      `PORTICO_POLICY_CACHE_MB must be a whole number of MiB (1-65536), got ${env.PORTICO_POLICY_CACHE_MB}`,
    );
  const severity = env.PORTICO_TRACE_SEVERITY?.trim() || 'information';
  if (!Object.hasOwn(traceSeverities, severity))
    throw new AgentEnvError(`PORTICO_TRACE_SEVERITY must be verbose, information or error, got ${JSON.stringify(severity)}`);
  const outboundAllow = env.PORTICO_OUTBOUND_ALLOW?.trim() ?? '';
  try {
    OutboundGuard.fromList(outboundAllow);
  } catch (error) {
    throw new AgentEnvError(`PORTICO_OUTBOUND_ALLOW: ${(error as Error).message}`);
  }
  return {
    natsUrl: env.PORTICO_NATS_URL?.trim() || 'nats://127.0.0.1:4222',
    natsCredsFile: env.PORTICO_NATS_CREDS?.trim() || undefined,
    tenantId,
    gatewayId,
    accessToken: required(env, 'PORTICO_GATEWAY_TOKEN'),
    backupPath: env.PORTICO_BACKUP_PATH?.trim() || './portico-gateway.backup',
    host: env.PORTICO_GATEWAY_HOST?.trim() || '0.0.0.0',
    port: port(env, 'PORTICO_GATEWAY_PORT', 8080),
    adminHost: env.PORTICO_GATEWAY_ADMIN_HOST?.trim() || '127.0.0.1',
    adminPort: port(env, 'PORTICO_GATEWAY_ADMIN_PORT', 8090),
    instanceId: env.PORTICO_INSTANCE_ID?.trim() || `${hostname()}-${randomBytes(3).toString('hex')}`,
    drainTimeoutMs: drain,
    location: env.PORTICO_LOCATION?.trim() ?? '',
    outboundAllow,
    policyCacheBytes: cacheMb * 1024 * 1024,
    traceSeverity: severity as TraceSeverityName,
  };
}
