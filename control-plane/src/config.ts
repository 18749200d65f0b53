import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * Every setting the control plane reads, with its default. The README's configuration
 * reference is this list; keep them in step.
 */
export interface Config {
  port: number;
  host: string;
  /** postgres:// URL; unset means embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Base URL users reach the control plane at (links in e-mails, cookie `Secure` flag). */
  publicUrl: string;
  /** 32-byte key for AES-256-GCM of secrets at rest. */
  secretKey: Buffer;
  /** Where the key came from: the environment, or a file under dataDir (generated on first start). */
  secretKeySource: 'env' | 'file';
  logLevel: string;
  /** Largest request body accepted, in bytes (API specs are uploaded in bodies). */
  bodyLimitBytes: number;
  /** Fetching API specs from URLs: size and time limits, and whether private addresses are allowed. */
  importMaxBytes: number;
  importTimeoutMs: number;
  importAllowPrivateUrls: boolean;
  sessionTtlHours: number;
  invitationTtlHours: number;
  /** smtp:// or smtps:// URL; unset means e-mails stay in the outbox (and the log says so). */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Seed a demo tenant on first start (default on for the embedded quick start). */
  seedDemo: boolean;
  /** Trust X-Forwarded-For from a reverse proxy for client IPs. */
  trustProxy: boolean;
  /** nats:// URL(s) that gateway agents connect to; unset means the in-process transport (all-in-one). */
  natsUrl: string | undefined;
  /** Run a gateway in this process serving the demo tenant (the quick start), with an echo backend. */
  embeddedGateway: boolean;
  gatewayPort: number;
  gatewayAdminPort: number;
  echoPort: number;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/**
 * PORTICO_SECRET_KEY is 32 bytes as base64 or hex. Without it, a key is generated once
 * and kept in `<dataDir>/secret.key` (mode 0600) so a restart can still read its secrets.
 */
function secretKey(env: Env, dataDir: string): { key: Buffer; source: 'env' | 'file' } {
  const raw = env.PORTICO_SECRET_KEY;
  if (raw) {
    const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
    if (key.length !== 32) throw new Error('PORTICO_SECRET_KEY must be 32 bytes, as 64 hex characters or base64');
    return { key, source: 'env' };
  }
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return { key: Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'), source: 'file' };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return { key, source: 'file' };
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORTICO_PORT', 4000);
  const dataDir = path.resolve(env.PORTICO_DATA_DIR || '.data');
  const databaseUrl = env.DATABASE_URL || undefined;
  const key = secretKey(env, dataDir);
  return {
    port,
    host: env.PORTICO_HOST || '0.0.0.0',
    databaseUrl,
    dataDir,
    publicUrl: (env.PORTICO_PUBLIC_URL || `http://localhost:${port}`).replace(/\/$/, ''),
    secretKey: key.key,
    secretKeySource: key.source,
    logLevel: env.PORTICO_LOG_LEVEL || 'info',
    bodyLimitBytes: int(env, 'PORTICO_BODY_LIMIT_BYTES', 16 * 1024 * 1024),
    importMaxBytes: int(env, 'PORTICO_IMPORT_MAX_BYTES', 16 * 1024 * 1024),
    importTimeoutMs: int(env, 'PORTICO_IMPORT_TIMEOUT_MS', 10_000),
    importAllowPrivateUrls: bool(env, 'PORTICO_IMPORT_ALLOW_PRIVATE_URLS', false),
    sessionTtlHours: int(env, 'PORTICO_SESSION_TTL_HOURS', 24 * 7),
    invitationTtlHours: int(env, 'PORTICO_INVITATION_TTL_HOURS', 24 * 7),
    smtpUrl: env.PORTICO_SMTP_URL || undefined,
    mailFrom: env.PORTICO_MAIL_FROM || 'Portico <no-reply@portico.local>',
    seedDemo: bool(env, 'PORTICO_SEED_DEMO', databaseUrl === undefined),
    trustProxy: bool(env, 'PORTICO_TRUST_PROXY', false),
    natsUrl: env.PORTICO_NATS_URL || undefined,
    embeddedGateway: bool(env, 'PORTICO_EMBEDDED_GATEWAY', bool(env, 'PORTICO_SEED_DEMO', databaseUrl === undefined)),
    gatewayPort: int(env, 'PORTICO_GATEWAY_PORT', 8080),
    gatewayAdminPort: int(env, 'PORTICO_GATEWAY_ADMIN_PORT', 8090),
    echoPort: int(env, 'PORTICO_ECHO_PORT', 8091),
  };
}
