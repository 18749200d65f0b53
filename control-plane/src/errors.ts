import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/**
 * The control plane's error catalogue. Every error a caller can see has a stable code, an
 * HTTP status (through the tRPC code) and a public message. Internal detail stays in logs.
 */
export const ErrorCatalogue = {
  CP_ERR_VALIDATION: { trpc: 'BAD_REQUEST', message: 'The request is invalid' },
  CP_ERR_BAD_JSON: { trpc: 'PARSE_ERROR', message: 'The request body is not valid JSON' },
  CP_ERR_UNSUPPORTED_MEDIA_TYPE: { trpc: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the request body as application/json' },
  CP_ERR_UNAUTHENTICATED: { trpc: 'UNAUTHORIZED', message: 'Sign in or send a valid access token' },
  CP_ERR_INVALID_CREDENTIALS: { trpc: 'UNAUTHORIZED', message: 'Email or password is incorrect' },
  CP_ERR_CSRF: { trpc: 'FORBIDDEN', message: 'Missing or invalid CSRF token (send the x-csrf-token header)' },
  CP_ERR_FORBIDDEN: { trpc: 'FORBIDDEN', message: 'Your role does not allow this' },
  CP_ERR_NOT_FOUND: { trpc: 'NOT_FOUND', message: 'Not found' },
  CP_ERR_CONFLICT: { trpc: 'CONFLICT', message: 'The change conflicts with the current state' },
  CP_ERR_VERSION_MISMATCH: {
    trpc: 'PRECONDITION_FAILED',
    message: 'The resource changed since you read it; reload and try again',
  },
  CP_ERR_PAYLOAD_TOO_LARGE: { trpc: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' },
  CP_ERR_TOO_MANY_REQUESTS: { trpc: 'TOO_MANY_REQUESTS', message: 'Too many attempts; try again later' },
  CP_ERR_METHOD_NOT_ALLOWED: { trpc: 'METHOD_NOT_SUPPORTED', message: 'Method not allowed' },
  CP_ERR_INTERNAL: { trpc: 'INTERNAL_SERVER_ERROR', message: 'Internal error' },
} as const satisfies Record<string, { trpc: TRPC_ERROR_CODE_KEY; message: string }>;

export type ErrorCode = keyof typeof ErrorCatalogue;

/** Field path (dot-joined) → messages. */
export type FieldErrors = Record<string, string[]>;

/** A problem inside a submitted document (an API spec, a policy): where it is and what is wrong. */
export interface DocumentIssue {
  /** JSON pointer into the document, or a policy path such as `inbound[2].rate-limit.calls`. */
  pointer: string;
  line?: number;
  file?: string;
  message: string;
}

/** The one error body every caller sees, on tRPC (`error.data.error`) and REST (`{ error }`). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  fields?: FieldErrors;
  issues?: DocumentIssue[];
  retryAfterSeconds?: number;
  requestId?: string;
}

export class PorticoError extends TRPCError {
  readonly porticoCode: ErrorCode;
  readonly fields: FieldErrors | undefined;
  readonly issues: DocumentIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    options: {
      message?: string;
      fields?: FieldErrors;
      issues?: DocumentIssue[];
      cause?: unknown;
      retryAfterSeconds?: number;
    } = {},
  ) {
    const entry = ErrorCatalogue[code];
    super({ code: entry.trpc, message: options.message ?? entry.message, cause: options.cause });
    this.porticoCode = code;
    this.fields = options.fields;
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const notFound = (what: string) => new PorticoError('CP_ERR_NOT_FOUND', { message: `${what} not found` });

/** An update carried a stale `version`: say which is current so the caller can reload. */
export const versionMismatch = (current: number) =>
  new PorticoError('CP_ERR_VERSION_MISMATCH', { fields: { version: [`Current version is ${current}`] } });

/** One field is wrong: say which and what was expected. */
export const invalidField = (field: string, message: string) =>
  new PorticoError('CP_ERR_VALIDATION', { message: `${field}: ${message}`, fields: { [field]: [message] } });
