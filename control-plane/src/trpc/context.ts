import type { Authorizer } from '../authz/authorizer.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../mail/mailer.js';

/** Process-wide services, built once at start and shared by every request. */
export interface Deps {
  db: Db;
  config: Config;
  logger: Logger;
  authorizer: Authorizer;
  mailer: Mailer;
}

export interface CookieOptions {
  httpOnly: boolean;
  maxAgeSeconds: number;
}

/** What a procedure may know of the HTTP request, independent of the transport. */
export interface RequestInfo {
  requestId: string;
  ip: string;
  userAgent: string;
  /** Value of the x-csrf-token header, if any. */
  csrfHeader: string | undefined;
  getCookie(name: string): string | undefined;
  setCookie(name: string, value: string, options: CookieOptions): void;
}

/** Who is calling. `tenantId` is the tenant they act in, null until they pick one. */
export interface Actor {
  userId: string;
  tenantId: string | null;
  via: 'session' | 'token';
  /** `ses_…` or `pat_…`, recorded in the audit log. */
  credentialId: string;
  /** Cookie-authenticated mutations must prove they came from our own pages. */
  csrfVerified: boolean;
}

export interface Context {
  deps: Deps;
  req: RequestInfo;
  actor: Actor | null;
  /** Set when a bearer token or session cookie was sent but is not valid (expired, revoked). */
  authFailure: string | null;
}
