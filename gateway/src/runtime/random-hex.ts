import { randomFillSync } from 'node:crypto';

// One randomFillSync per 4 KiB instead of one per request: trace and span ids need randomness,
// not a fresh syscall each (W3C Trace Context §3.2.2.3 only asks ids to be random).
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `bytes` random bytes as lower-case hex (2 × bytes characters). */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
