import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { namedValues, type BackendCredentials } from '../../db/schema/index.js';
import { PorticoError, type FieldErrors } from '../../errors.js';
import type { SecretBox } from '../../lib/secrets.js';
import { namedValueNameInput } from '../named-values/named-value-fields.js';

/**
 * Credentials the gateway adds to every request to the backend. Their values are sealed with
 * the SecretBox before they are stored and never come back out of the API: outputs show each
 * name with `SECRET_MASK` as its value.
 *
 * Writing takes the full set (what is not listed is removed). A value may be left out — or sent
 * back as `SECRET_MASK`, as read — to keep the stored one for that name; a new name needs a value.
 */
export const SECRET_MASK = '(secret)';

/** RFC 9110 token characters, as header names and auth schemes must be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** No CR, LF or NUL: a value must not be able to start another header. */
const NO_LINE_BREAKS = /^[^\r\n\0]*$/;
/** The gateway sets these itself; adding them would break framing or routing. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer']);

const secretValue = (where: string) =>
  z
    .string()
    .min(1, { error: `${where} must not be empty; leave it out to keep the stored one` })
    .max(4096)
    .regex(NO_LINE_BREAKS, { error: 'Must not contain line breaks' })
    .optional()
    .meta({ description: `Write-only. Leave out (or send "${SECRET_MASK}") to keep the stored value` });

const headerName = z
  .string()
  .min(1)
  .max(100)
  .regex(TOKEN, { error: 'Not a valid HTTP header name' })
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), { error: 'The gateway sets this header itself' })
  .meta({ example: 'X-Api-Key' });

const queryName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._~-]+$/, { error: 'Use URL-safe characters only' })
  .meta({ example: 'api_key' });

export const credentialsInput = z
  .strictObject({
    headers: z
      .array(z.strictObject({ name: headerName, value: secretValue('value') }))
      .max(50)
      .optional(),
    query: z
      .array(z.strictObject({ name: queryName, value: secretValue('value') }))
      .max(50)
      .optional(),
    basic: z
      .strictObject({
        // RFC 7617: the user-id cannot contain a colon.
        username: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[^:\r\n\0]*$/, { error: 'Must not contain ":" or line breaks' }),
        password: secretValue('password'),
      })
      .nullable()
      .optional()
      .meta({ description: 'Sent as "Authorization: Basic …"' }),
    authorization: z
      .strictObject({
        scheme: z.string().min(1).max(50).regex(TOKEN, { error: 'Not a valid auth scheme' }).meta({ example: 'Bearer' }),
        parameter: secretValue('parameter'),
      })
      .nullable()
      .optional()
      .meta({ description: 'Sent as "Authorization: <scheme> <parameter>"' }),
    clientCertificate: z
      .strictObject({
        certificate: namedValueNameInput.meta({ description: 'Named value holding the PEM certificate (chain)' }),
        privateKey: namedValueNameInput.meta({ description: 'Secret named value holding the PEM private key' }),
      })
      .nullable()
      .optional()
      .meta({ description: 'Client certificate for mutual TLS to the backend, by reference to named values' }),
  })
  .superRefine((input, ctx) => {
    const duplicates = (list: { name: string }[] | undefined, key: 'headers' | 'query', fold: (s: string) => string) => {
      const seen = new Set<string>();
      list?.forEach((entry, i) => {
        const name = fold(entry.name);
        if (seen.has(name)) ctx.addIssue({ code: 'custom', message: 'Each name at most once', path: [key, i, 'name'] });
        seen.add(name);
      });
    };
    duplicates(input.headers, 'headers', (s) => s.toLowerCase());
    duplicates(input.query, 'query', (s) => s);
    if (input.basic && input.authorization) {
      const message = 'Give basic or authorization, not both: each sets the Authorization header';
      ctx.addIssue({ code: 'custom', message, path: ['basic'] });
      ctx.addIssue({ code: 'custom', message, path: ['authorization'] });
    }
    if (input.basic || input.authorization) {
      input.headers?.forEach((entry, i) => {
        if (entry.name.toLowerCase() === 'authorization') {
          ctx.addIssue({
            code: 'custom',
            message: 'Set by basic or authorization already',
            path: ['headers', i, 'name'],
          });
        }
      });
    }
  });
export type CredentialsInput = z.infer<typeof credentialsInput>;

export const credentialsOut = z.object({
  headers: z.array(z.object({ name: z.string(), value: z.literal(SECRET_MASK) })),
  query: z.array(z.object({ name: z.string(), value: z.literal(SECRET_MASK) })),
  basic: z.object({ username: z.string(), password: z.literal(SECRET_MASK) }).nullable(),
  authorization: z.object({ scheme: z.string(), parameter: z.literal(SECRET_MASK) }).nullable(),
  clientCertificate: z.object({ certificate: z.string(), privateKey: z.string() }).nullable(),
});
export type CredentialsOut = z.infer<typeof credentialsOut>;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const masked = (record: Record<string, string> | undefined): CredentialsOut['headers'] =>
  Object.keys(record ?? {})
    .sort(byName)
    .map((name) => ({ name, value: SECRET_MASK }));

/** What callers and the audit log see: names and usernames, never a value. */
export function maskCredentials(stored: BackendCredentials): CredentialsOut {
  return {
    headers: masked(stored.headers),
    query: masked(stored.query),
    basic: stored.basic ? { username: stored.basic.username, password: SECRET_MASK } : null,
    authorization: stored.authorization ? { scheme: stored.authorization.scheme, parameter: SECRET_MASK } : null,
    // References, not secrets: the named values' own rules keep their contents hidden.
    clientCertificate: stored.clientCertificate ?? null,
  };
}

export interface SealedCredentials {
  credentials: BackendCredentials;
  /** Paths of the secrets given a value by this write (`headers.X-Api-Key`, `basic.password`), for the audit log. */
  secretsSet: string[];
}

/**
 * Seals the values given and carries over the stored ones left out. Throws CP_ERR_VALIDATION
 * naming every new entry that came without a value.
 */
export function sealCredentials(input: CredentialsInput, stored: BackendCredentials, box: SecretBox): SealedCredentials {
  const errors: FieldErrors = {};
  const secretsSet: string[] = [];
  const missing = (path: string) =>
    (errors[`credentials.${path}`] ??= []).push('Required: this name has no stored value to keep');
  const given = (value: string | undefined): value is string => value !== undefined && value !== SECRET_MASK;

  const named = (key: 'headers' | 'query', fold: (s: string) => string) => {
    const list = input[key];
    if (!list?.length) return undefined;
    const storedByName = new Map(Object.entries(stored[key] ?? {}).map(([name, sealed]) => [fold(name), sealed]));
    const out: Record<string, string> = {};
    list.forEach((entry, i) => {
      if (given(entry.value)) {
        out[entry.name] = box.seal(entry.value);
        secretsSet.push(`${key}.${entry.name}`);
      } else {
        const kept = storedByName.get(fold(entry.name));
        if (kept === undefined) missing(`${key}.${i}.value`);
        else out[entry.name] = kept;
      }
    });
    return out;
  };

  const credentials: BackendCredentials = {};
  const headers = named('headers', (s) => s.toLowerCase());
  if (headers) credentials.headers = headers;
  const query = named('query', (s) => s);
  if (query) credentials.query = query;

  if (input.basic) {
    const { username, password } = input.basic;
    if (given(password)) {
      credentials.basic = { username, password: box.seal(password) };
      secretsSet.push('basic.password');
    } else if (stored.basic) {
      credentials.basic = { username, password: stored.basic.password };
    } else {
      missing('basic.password');
    }
  }
  if (input.authorization) {
    const { scheme, parameter } = input.authorization;
    if (given(parameter)) {
      credentials.authorization = { scheme, parameter: box.seal(parameter) };
      secretsSet.push('authorization.parameter');
    } else if (stored.authorization) {
      credentials.authorization = { scheme, parameter: stored.authorization.parameter };
    } else {
      missing('authorization.parameter');
    }
  }

  if (input.clientCertificate) credentials.clientCertificate = { ...input.clientCertificate };

  const first = Object.entries(errors)[0];
  if (first) throw new PorticoError('CP_ERR_VALIDATION', { message: `${first[0]}: ${first[1][0]}`, fields: errors });
  return { credentials, secretsSet };
}

/**
 * A client certificate is referenced, not stored here: both named values must exist in the
 * backend's workspace, and the private key must be a secret one.
 */
export async function assertCertificateReferences(
  tx: Db,
  tenantId: string,
  workspaceId: string,
  reference: BackendCredentials['clientCertificate'],
): Promise<void> {
  if (!reference) return;
  const rows = await tx
    .select({ name: namedValues.name, secret: namedValues.secret })
    .from(namedValues)
    .where(
      and(
        eq(namedValues.tenantId, tenantId),
        eq(namedValues.workspaceId, workspaceId),
        inArray(namedValues.name, [reference.certificate, reference.privateKey]),
      ),
    );
  const errors: FieldErrors = {};
  const byName = new Map(rows.map((r) => [r.name, r]));
  if (!byName.has(reference.certificate))
    errors['credentials.clientCertificate.certificate'] = [`No named value "${reference.certificate}" in this workspace`];
  const key = byName.get(reference.privateKey);
  if (!key) errors['credentials.clientCertificate.privateKey'] = [`No named value "${reference.privateKey}" in this workspace`];
  else if (!key.secret) errors['credentials.clientCertificate.privateKey'] = ['The private key must be a secret named value'];
  const first = Object.entries(errors)[0];
  if (first) throw new PorticoError('CP_ERR_VALIDATION', { message: `${first[0]}: ${first[1][0]}`, fields: errors });
}
