import { randomFillSync } from 'node:crypto';

// One randomFillSync and one hex encoding per 4 KiB instead of per request: trace and span ids
// need randomness, not a fresh syscall each (W3C Trace Context §3.2.2.3 only asks ids to be
// random). Ids are slices of the encoded pool.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolHex = '';
let offset = POOL_SIZE;

/** `bytes` random bytes (at most 4096) as lower-case hex (2 × bytes characters). */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolHex = pool.toString('hex');
    offset = 0;
  }
  const hex = poolHex.slice(2 * offset, 2 * (offset + bytes));
  offset += bytes;
  return hex;
}
