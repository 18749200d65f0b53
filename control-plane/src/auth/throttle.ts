import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { authThrottle } from '../db/schema/index.js';
import { PorticoError } from '../errors.js';

/**
 * Failed sign-ins lock an account after 5 tries in 15 minutes and an IP after 30 (an IP may
 * be a shared NAT, hence the higher bar). A lock lasts 15 minutes. Successful sign-in clears
 * the account's counter, not the IP's, so one known password cannot reset a spraying run.
 */
export const THROTTLE = {
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
  maxAccountFailures: 5,
  maxIpFailures: 30,
} as const;

export const accountKey = (email: string) => `account:${email}`;
export const ipKey = (ip: string) => `ip:${ip}`;

export async function assertNotLocked(db: Db, keys: string[]): Promise<void> {
  const rows = await db.select().from(authThrottle).where(inArray(authThrottle.key, keys));
  const now = Date.now();
  const lockedUntil = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  if (lockedUntil > now) {
    const retryAfterSeconds = Math.ceil((lockedUntil - now) / 1000);
    throw new PorticoError('CP_ERR_TOO_MANY_REQUESTS', {
      message: `Too many failed sign-ins; try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s)`,
      retryAfterSeconds,
    });
  }
}

export async function recordFailure(db: Db, key: string, max: number): Promise<void> {
  const window = sql.raw(`interval '${THROTTLE.windowSeconds} seconds'`);
  const lock = sql.raw(`interval '${THROTTLE.lockSeconds} seconds'`);
  // One statement: concurrent failures cannot lose an increment.
  await db.execute(sql`
    insert into ${authThrottle} (key, failures, window_started_at) values (${key}, 1, now())
    on conflict (key) do update set
      failures = case when ${authThrottle.windowStartedAt} < now() - ${window} then 1 else ${authThrottle.failures} + 1 end,
      window_started_at = case when ${authThrottle.windowStartedAt} < now() - ${window} then now() else ${authThrottle.windowStartedAt} end,
      locked_until = case
        when ${authThrottle.windowStartedAt} >= now() - ${window} and ${authThrottle.failures} + 1 >= ${max} then now() + ${lock}
        else ${authThrottle.lockedUntil} end`);
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.delete(authThrottle).where(eq(authThrottle.key, key));
}
