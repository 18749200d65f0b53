import { FieldMap } from '../pipeline/field-map.js';

// Hop-by-hop headers (RFC 9110 §7.6.1) and those a proxy must not pass on; both directions.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function isHopByHop(lowerName: string): boolean {
  return HOP_BY_HOP.has(lowerName) || lowerName.startsWith('proxy-');
}

/**
 * The extra header names a `Connection` value declares hop-by-hop; undefined for the usual
 * `keep-alive` / `close`, which name nothing to remove.
 */
export function connectionTokens(connection: string | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const lower = connection.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return undefined;
  const tokens = new Set<string>();
  for (const token of lower.split(',')) {
    const name = token.trim();
    if (name !== '' && name !== 'keep-alive' && name !== 'close') tokens.add(name);
  }
  return tokens.size === 0 ? undefined : tokens;
}

/** Removes the headers named in `tokens` from a flat name/value list, in place. */
export function removeNamed(headers: string[], tokens: ReadonlySet<string>): void {
  let write = 0;
  for (let read = 0; read < headers.length; read += 2) {
    if (tokens.has(headers[read]!.toLowerCase())) continue;
    headers[write] = headers[read]!;
    headers[write + 1] = headers[read + 1]!;
    write += 2;
  }
  headers.length = write;
}

// Whether a response header name may be one `responseHeaders` drops (hop-by-hop, proxy-*,
// x-request-id), from its first letter and length: only those names are lower-cased to check.
function mayDrop(name: string): boolean {
  const n = name.length;
  switch (name.charCodeAt(0) | 0x20) {
    case 0x63: // connection
    case 0x6b: // keep-alive
      return n === 10;
    case 0x74: // te, trailer, transfer-encoding
      return n === 2 || n === 7 || n === 17;
    case 0x75: // upgrade
      return n === 7;
    case 0x78: // x-request-id
      return n === 12;
    case 0x70: // proxy-*
      return n > 6;
    default:
      return false;
  }
}

/**
 * The backend's response headers to send to the caller, as a flat name/value list: hop-by-hop
 * headers dropped, and the gateway's request id in place of any the backend set.
 */
export function responseHeaders(raw: readonly Buffer[], requestId: string): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const value = raw[i + 1]!.toString('latin1');
    if (mayDrop(name)) {
      const lower = name.toLowerCase();
      if (lower === 'connection') connection = value;
      if (lower === 'x-request-id' || isHopByHop(lower)) continue;
    }
    out.push(name, value);
  }
  const tokens = connectionTokens(connection);
  if (tokens) removeNamed(out, tokens);
  out.push('x-request-id', requestId);
  return out;
}

/**
 * The same headers as `responseHeaders`, request id last, as the FieldMap outbound statements
 * change: built in one pass from undici's raw buffers, without the intermediate flat list.
 */
export function responseHeaderFields(raw: readonly Buffer[], requestId: string): FieldMap {
  const fields = new FieldMap(true);
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const value = raw[i + 1]!.toString('latin1');
    if (mayDrop(name)) {
      const lower = name.toLowerCase();
      if (lower === 'connection') connection = value;
      if (lower === 'x-request-id' || isHopByHop(lower)) continue;
    }
    fields.append(name, value);
  }
  const tokens = connectionTokens(connection);
  if (tokens) for (const token of tokens) fields.delete(token);
  fields.append('x-request-id', requestId);
  fields.markBuilt();
  return fields;
}
