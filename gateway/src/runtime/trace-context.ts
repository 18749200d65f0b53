import { randomHex } from './random-hex.js';

function isLowerHex(value: string, start: number, end: number): boolean {
  let nonZero = false;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x30) continue;
    if ((c > 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) nonZero = true;
    else return false;
  }
  return nonZero;
}

// W3C Trace Context §3.2: version-traceid-parentid-flags, lower-case hex, all-zero ids invalid,
// version ff invalid; a later version may append fields after a dash.
function isValidTraceparent(value: string): boolean {
  if (value.length < 55 || (value.length > 55 && value.charCodeAt(55) !== 0x2d)) return false;
  if (value.charCodeAt(2) !== 0x2d || value.charCodeAt(35) !== 0x2d || value.charCodeAt(52) !== 0x2d) return false;
  const version = value.slice(0, 2);
  if (version === 'ff' || !isHexPair(value, 0) || (version === '00' && value.length !== 55)) return false;
  return isLowerHex(value, 3, 35) && isLowerHex(value, 36, 52) && isHexPair(value, 53);
}

function isHexPair(value: string, at: number): boolean {
  for (let i = at; i < at + 2; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/**
 * The `traceparent` to send upstream: the caller's trace continued under a new parent id (the
 * gateway's span), or a new sampled trace when the caller sent none or an invalid one.
 */
export function nextTraceparent(incoming: string | undefined): string {
  if (incoming !== undefined && isValidTraceparent(incoming)) {
    return `00-${incoming.slice(3, 35)}-${randomHex(8)}-${incoming.slice(53, 55)}`;
  }
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}
