import { z } from 'zod';
import { invalidField } from '../errors.js';
import { IdPrefix, idPattern } from './ids.js';

type Prefix = (typeof IdPrefix)[keyof typeof IdPrefix];

/**
 * An id of one entity type. The `idPrefix` metadata lets tests find every id a procedure
 * takes (the generated cross-tenant isolation suite uses it).
 */
export const entityId = (prefix: Prefix, what: string) =>
  z
    .string()
    .regex(idPattern(prefix), { error: `Expected a ${what} id (${prefix}_ followed by 20 characters)` })
    .meta({ idPrefix: prefix, description: `${what} id`, example: `${prefix}_0123456789abcdefghjk` });

export const emailInput = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'Expected an email address such as ada@example.com' }))
  .transform((s) => s.toLowerCase());

export const passwordInput = z
  .string()
  .min(12, { error: 'Use at least 12 characters' })
  .max(256, { error: 'Use at most 256 characters' });

export const nameInput = (what: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `${what} must not be empty` })
    .max(200, { error: `${what} must be at most 200 characters` });

export const slugInput = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, { error: 'Use lowercase letters, digits and dashes (not at either end)' });

export function slugify(name: string, fallback: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug.length >= 2 ? slug : fallback;
}

/** Optimistic concurrency: the version read; a stale one answers PRECONDITION_FAILED. */
export const versionInput = z.number().int().positive().meta({ description: 'The version you read (etag)' });

export const paginationInput = {
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().meta({ description: 'nextCursor from the previous page' }),
};

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export interface Cursor {
  at: string;
  id: string;
}

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify({ at: createdAt.toISOString(), id })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
    const at = new Date(parsed.at ?? '');
    if (typeof parsed.id !== 'string' || Number.isNaN(at.getTime())) throw new Error('bad cursor');
    return { at, id: parsed.id };
  } catch {
    throw invalidField('cursor', 'Not a cursor returned by this list');
  }
}

/** Cuts one extra row off a `limit + 1` query and makes the next cursor from the last kept. */
export function toPage<T extends { createdAt: Date; id: string }, U>(rows: T[], limit: number, map: (row: T) => U) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

export const isoDate = z.iso.datetime().meta({ description: 'RFC 3339 timestamp' });
