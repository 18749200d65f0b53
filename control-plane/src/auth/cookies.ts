import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'portico_session';
/** Readable by the portal's JavaScript, which echoes it in the x-csrf-token header. */
export const CSRF_COOKIE = 'portico_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * CSRF token bound to the session (HMAC of the session token): nothing to store, and a
 * token from one session is useless in another.
 */
export function csrfTokenFor(sessionToken: string, secretKey: Buffer): string {
  return createHmac('sha256', secretKey).update(`csrf:${sessionToken}`).digest('base64url');
}

export function csrfMatches(sessionToken: string, header: string | undefined, secretKey: Buffer): boolean {
  if (!header) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken, secretKey));
  const actual = Buffer.from(header);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface SetCookie {
  name: string;
  value: string;
  httpOnly: boolean;
  secure: boolean;
  maxAgeSeconds: number;
}

export function serializeCookie(c: SetCookie): string {
  const parts = [`${c.name}=${encodeURIComponent(c.value)}`, 'Path=/', `Max-Age=${c.maxAgeSeconds}`, 'SameSite=Lax'];
  if (c.maxAgeSeconds === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (c.httpOnly) parts.push('HttpOnly');
  if (c.secure) parts.push('Secure');
  return parts.join('; ');
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(pair.slice(eq + 1).trim()));
      } catch {
        // A malformed cookie is ignored rather than failing the request.
      }
    }
  }
  return cookies;
}
