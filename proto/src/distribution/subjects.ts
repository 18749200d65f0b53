/**
 * NATS subjects of the config protocol (DESIGN §6). They are fixed so that NATS permissions
 * can be scoped per gateway; every id used as a token is checked, since a `.`, `*` or `>` in
 * one would widen what a permission grants.
 */
export interface GatewayAddress {
  tenantId: string;
  gatewayId: string;
}

const SUBJECT_TOKEN = /^[a-z0-9][a-z0-9_-]*$/;

export function assertSubjectToken(what: string, value: string): void {
  if (!SUBJECT_TOKEN.test(value))
    throw new Error(`${what} ${JSON.stringify(value)} cannot be a NATS subject token: expected lowercase [a-z0-9_-]`);
}

function tokens({ tenantId, gatewayId }: GatewayAddress): string {
  assertSubjectToken('tenant id', tenantId);
  assertSubjectToken('gateway id', gatewayId);
  return `${tenantId}.${gatewayId}`;
}

export const subjects = {
  /** Deltas, control plane → gateway. */
  deltas: (to: GatewayAddress) => `portico.cfg.${tokens(to)}`,
  /** Snapshot requests, gateway → control plane (request/reply). */
  snapshot: (of: GatewayAddress) => `portico.cfg.snapshot.${tokens(of)}`,
  /** Heartbeats and apply results, gateway → control plane. */
  reports: (from: GatewayAddress) => `portico.hb.${tokens(from)}`,
  /** Quota lease requests, gateway → control plane (request/reply). */
  quota: (of: GatewayAddress) => `portico.quota.${tokens(of)}`,
  /** Telemetry batches, gateway → JetStream. */
  telemetry: (from: GatewayAddress) => `portico.tel.${tokens(from)}`,
  /** The only inbox a gateway may subscribe to; snapshot replies must go there. */
  inboxPrefix: (of: GatewayAddress) => `_INBOX.${tokens(of)}`,
  /** Wildcards the control plane listens on. */
  allSnapshotRequests: 'portico.cfg.snapshot.*.*',
  allReports: 'portico.hb.*.*',
  allQuotaRequests: 'portico.quota.*.*',
} as const;

/** The tenant and gateway of a `portico.<kind>…<tenant>.<gateway>` subject: its last two tokens. */
export function addressOfSubject(subject: string): GatewayAddress {
  const parts = subject.split('.');
  const tenantId = parts[parts.length - 2] ?? '';
  const gatewayId = parts[parts.length - 1] ?? '';
  assertSubjectToken('tenant id', tenantId);
  assertSubjectToken('gateway id', gatewayId);
  return { tenantId, gatewayId };
}
