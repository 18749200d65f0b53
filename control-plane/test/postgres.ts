import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { MIGRATIONS_FOLDER } from '../src/db/client.js';

/** Server used by the tests; each test file gets a fresh database on it. */
export const TEST_SERVER_URL = process.env.PORTICO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The template's name changes whenever a migration does, so a stale template is never used. */
export function templateName(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_FOLDER)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash.update(file).update(readFileSync(path.join(MIGRATIONS_FOLDER, file)));
  }
  return `portico_template_${hash.digest('hex').slice(0, 12)}`;
}

export function adminClient() {
  return postgres(TEST_SERVER_URL, { max: 1, onnotice: () => {} });
}

export function freshDatabaseName(): string {
  return `portico_test_${randomBytes(6).toString('hex')}`;
}
