import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { CSRF_HEADER, parseCookies, serializeCookie } from '../auth/cookies.js';
import { resolveActor } from '../auth/resolve-actor.js';
import type { Context, Deps } from '../trpc/context.js';

export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
}

/** Builds a procedure's context from a node HTTP exchange (tRPC and REST share it). */
export async function createRequestContext(
  deps: Deps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<Context> {
  const cookies = parseCookies(req.headers.cookie);
  const getCookie = (name: string) => cookies.get(name);
  const secure = deps.config.publicUrl.startsWith('https://');
  const csrfHeader = req.headers[CSRF_HEADER];
  const info: Context['req'] = {
    requestId,
    ip: clientIp(req, deps.config.trustProxy),
    userAgent: req.headers['user-agent'] ?? '',
    csrfHeader: typeof csrfHeader === 'string' ? csrfHeader : undefined,
    getCookie,
    setCookie(name, value, options) {
      res.appendHeader('Set-Cookie', serializeCookie({ name, value, secure, ...options }));
    },
  };
  const { actor, failure } = await resolveActor(deps.db, deps.config.secretKey, {
    authorization: req.headers.authorization,
    getCookie,
    csrfHeader: info.csrfHeader,
  });
  return { deps, req: info, actor, authFailure: failure };
}
