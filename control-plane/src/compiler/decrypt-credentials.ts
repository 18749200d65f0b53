import { create } from '@bufbuild/protobuf';
import { CredentialsSchema, type Credentials } from '@portico/proto';
import type { BackendCredentials, namedValues } from '../db/schema/index.js';
import type { SecretBox } from '../lib/secrets.js';

type NamedValueRow = typeof namedValues.$inferSelect;

/** A named value's clear text: secret ones are sealed at rest. */
export function namedValueText(row: NamedValueRow, box: SecretBox): string {
  return row.secret ? box.open(row.sealedValue ?? '') : (row.value ?? '');
}

/**
 * The backend's stored credentials in clear, for the gateway to add to each request. The
 * view is sealed again on the gateway (DESIGN §6); keys are sorted so the encoding is canonical.
 * `workspaceValues` are the backend workspace's named values, by name, for the client certificate.
 */
export function decryptCredentials(
  stored: BackendCredentials,
  box: SecretBox,
  workspaceValues: Map<string, NamedValueRow>,
): Credentials | undefined {
  if (Object.keys(stored).length === 0) return undefined;
  const open = (record: Record<string, string> | undefined) =>
    Object.fromEntries(
      Object.entries(record ?? {})
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, sealed]) => [name, box.open(sealed)]),
    );
  const certificate = stored.clientCertificate;
  const pem = (name: string | undefined) => {
    const row = name === undefined ? undefined : workspaceValues.get(name);
    return row ? namedValueText(row, box) : '';
  };
  return create(CredentialsSchema, {
    headers: open(stored.headers),
    query: open(stored.query),
    authorization: authorizationValue(stored, box),
    clientCertificatePem: pem(certificate?.certificate),
    clientKeyPem: pem(certificate?.privateKey),
  });
}

function authorizationValue(stored: BackendCredentials, box: SecretBox): string {
  if (stored.basic) {
    // RFC 7617: base64 of "user-id:password" in UTF-8.
    const pair = `${stored.basic.username}:${box.open(stored.basic.password)}`;
    return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  }
  if (stored.authorization) return `${stored.authorization.scheme} ${box.open(stored.authorization.parameter)}`;
  return '';
}
