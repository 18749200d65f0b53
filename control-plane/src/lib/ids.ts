import { randomBytes } from 'node:crypto';

/**
 * Every entity id carries a type prefix so it is readable in logs and can never be
 * confused with another entity's id. The random part is lowercase base32 only: ids are
 * used as NATS subject tokens, where `.`, `*` or `>` would widen permissions.
 */
export const IdPrefix = {
  tenant: 'ten',
  workspace: 'ws',
  user: 'usr',
  tenantMember: 'tmem',
  workspaceMember: 'wmem',
  session: 'ses',
  personalAccessToken: 'pat',
  invitation: 'inv',
  email: 'eml',
  audit: 'aud',
  group: 'grp',
  api: 'api',
  apiVersionSet: 'avs',
  apiRevision: 'arev',
  operation: 'op',
  product: 'prd',
  subscription: 'sub',
  policy: 'pol',
  policyFragment: 'frag',
  namedValue: 'nv',
  backend: 'be',
  gateway: 'gw',
  gatewayToken: 'gwt',
  gatewayInstance: 'gwi',
  configRevision: 'rev',
  telemetryBatch: 'tel',
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** 20 base32 characters = 100 random bits. */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(20);
  let out = `${prefix}_`;
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

export function idPattern(prefix: IdPrefix): RegExp {
  return new RegExp(`^${prefix}_[${ALPHABET}]{20}$`);
}
