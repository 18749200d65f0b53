import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.js';

export { schema };
/** Both drivers' databases are this type; a transaction is one too. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  /** Applies pending migrations; safe to run from several replicas at once. */
  migrate(): Promise<void>;
  /** True when the database answers and every committed migration is applied. */
  ready(): Promise<boolean>;
  /**
   * LISTEN on `channel`: `onNotify` gets each payload, delivered at commit of the notifying
   * transaction. postgres.js listens on a dedicated connection and re-listens after it reconnects
   * (notifications sent meanwhile are lost: pair this with a poll).
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

// Arbitrary constant: serialises migrations among replicas starting together.
const MIGRATION_LOCK = 727_310_001;

function latestMigrationHash(): string | undefined {
  return readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).at(-1)?.hash;
}

/** Rows of a raw `db.execute`: postgres.js returns an array, PGlite `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

async function appliedMigrationHash(db: Db): Promise<string | undefined> {
  const result = await db.execute(sql`select hash from drizzle.__drizzle_migrations order by created_at desc limit 1`);
  return rowsOf<{ hash: string }>(result)[0]?.hash;
}

async function isReady(db: Db): Promise<boolean> {
  try {
    return (await appliedMigrationHash(db)) === latestMigrationHash();
  } catch {
    return false;
  }
}

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  // Silence NOTICEs ("schema already exists") from idempotent DDL.
  const client = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    async migrate() {
      const lockClient = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await lockClient`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migrate(drizzle(lockClient), { migrationsFolder: MIGRATIONS_FOLDER });
        await lockClient`select pg_advisory_unlock(${MIGRATION_LOCK})`;
      } finally {
        await lockClient.end();
      }
    },
    ready: () => isReady(db),
    async listen(channel, onNotify) {
      const meta = await client.listen(channel, onNotify);
      return { close: () => meta.unlisten() };
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** Embedded Postgres (WASM) persisted in `dataDir`; a single connection, for the quick start. */
export async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = path.join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    migrate: () => migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER }),
    ready: () => isReady(db),
    async listen(channel, onNotify) {
      const unlisten = await client.listen(channel, onNotify);
      return { close: () => unlisten() };
    },
    close: () => client.close(),
  };
}

export function openDatabase(config: { databaseUrl: string | undefined; dataDir: string }): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(config.dataDir);
}
