import { asc, desc, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { decodeCursor } from '../lib/validation.js';

/**
 * Keyset pagination over (created_at, id): stable under inserts, no OFFSET scans.
 * Returns the extra `where` condition and the ordering for one direction.
 */
export function keyset(createdAt: PgColumn, id: PgColumn, cursor: string | undefined, direction: 'asc' | 'desc') {
  const after = decodeCursor(cursor);
  let where: SQL | undefined;
  if (after) {
    where =
      direction === 'asc'
        ? sql`(${createdAt}, ${id}) > (${after.at.toISOString()}::timestamptz, ${after.id})`
        : sql`(${createdAt}, ${id}) < (${after.at.toISOString()}::timestamptz, ${after.id})`;
  }
  const orderBy = direction === 'asc' ? [asc(createdAt), asc(id)] : [desc(createdAt), desc(id)];
  return { where, orderBy };
}
