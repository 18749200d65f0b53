import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../src/db/client.js';

/** Row count of every table in the public schema, to prove a failed call wrote nothing. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const tables = rowsOf<{ table_name: string }>(
    await db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    ),
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${sql.identifier(table_name)}`));
    counts[table_name] = row!.n;
  }
  return counts;
}
