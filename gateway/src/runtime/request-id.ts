import { randomHex } from './random-hex.js';

const MAX_LENGTH = 128;

// Process-unique prefix + counter: unique across instances without any randomness per request.
const prefix = randomHex(6);
let counter = 0;

function isSane(id: string): boolean {
  if (id.length === 0 || id.length > MAX_LENGTH) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** The caller's `x-request-id` when it is printable ASCII of at most 128 characters, else a new one. */
export function requestIdFor(incoming: string | undefined): string {
  if (incoming !== undefined && isSane(incoming)) return incoming;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${counter.toString(36)}`;
}
