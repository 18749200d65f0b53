import { openPostgres } from '../src/db/client.js';
import { syncPolicyRules } from '../src/authz/grants.js';
import { adminClient, databaseUrl, templateName } from './postgres.js';

/**
 * Builds a migrated template database once per run; each test file then clones it
 * (CREATE DATABASE … TEMPLATE), which takes milliseconds instead of re-running migrations.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const admin = adminClient();
  const template = templateName();
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${template}`;
    if (!exists) {
      const building = `${template}_build_${process.pid}`;
      await admin.unsafe(`drop database if exists "${building}"`);
      await admin.unsafe(`create database "${building}"`);
      const database = await openPostgres(databaseUrl(building), { max: 1 });
      await database.migrate();
      await syncPolicyRules(database.db);
      await database.close();
      // Rename when complete, so a crashed build never leaves a half-made template behind.
      await admin.unsafe(`alter database "${building}" rename to "${template}"`).catch(async (error: unknown) => {
        await admin.unsafe(`drop database if exists "${building}"`);
        const [raced] = await admin`select 1 from pg_database where datname = ${template}`;
        if (!raced) throw error;
      });
    }
  } finally {
    await admin.end();
  }
  return async () => {};
}
