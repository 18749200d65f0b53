import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { PermissionAction, PermissionObject } from '../authz/permissions.js';
import { PorticoError, type ErrorBody, type ErrorCode, type FieldErrors } from '../errors.js';
import type { Context } from './context.js';

/**
 * What a procedure needs. `public`: anyone; `authenticated`: any signed-in user; `tenant` and
 * `workspace`: a right in the caller's tenant (workspace ones read `workspaceId` from input).
 */
export type Permission =
  | { scope: 'public' }
  | { scope: 'authenticated' }
  | { scope: 'tenant' | 'workspace'; object: PermissionObject; action: PermissionAction };

export type Meta = OpenApiMeta<{ permission?: Permission }>;

export function fieldErrorsOf(error: ZodError): FieldErrors {
  const fields: FieldErrors = {};
  const add = (path: string, message: string) => (fields[path || '(body)'] ??= []).push(message);
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(path ? `${path}.${key}` : key, 'Unknown field');
    } else {
      add(path, issue.message);
    }
  }
  return fields;
}

const CODE_BY_TRPC: Partial<Record<TRPCError['code'], ErrorCode>> = {
  BAD_REQUEST: 'CP_ERR_VALIDATION',
  PARSE_ERROR: 'CP_ERR_BAD_JSON',
  UNAUTHORIZED: 'CP_ERR_UNAUTHENTICATED',
  FORBIDDEN: 'CP_ERR_FORBIDDEN',
  NOT_FOUND: 'CP_ERR_NOT_FOUND',
  CONFLICT: 'CP_ERR_CONFLICT',
  PRECONDITION_FAILED: 'CP_ERR_VERSION_MISMATCH',
  PAYLOAD_TOO_LARGE: 'CP_ERR_PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'CP_ERR_TOO_MANY_REQUESTS',
  METHOD_NOT_SUPPORTED: 'CP_ERR_METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE: 'CP_ERR_UNSUPPORTED_MEDIA_TYPE',
};

/** Maps any error a procedure raised to the public error body. Internal detail never leaks. */
export function toErrorBody(error: TRPCError, requestId?: string): ErrorBody {
  if (error instanceof PorticoError) {
    return {
      code: error.porticoCode,
      message: error.message,
      ...(error.fields ? { fields: error.fields } : {}),
      ...(error.issues ? { issues: error.issues } : {}),
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
      ...(requestId ? { requestId } : {}),
    };
  }
  if (error.cause instanceof ZodError) {
    const fields = fieldErrorsOf(error.cause);
    const first = Object.entries(fields)[0];
    const message = first ? `${first[0]}: ${first[1][0]}` : 'The request is invalid';
    return { code: 'CP_ERR_VALIDATION', message, fields, ...(requestId ? { requestId } : {}) };
  }
  const code = CODE_BY_TRPC[error.code] ?? 'CP_ERR_INTERNAL';
  // tRPC's own messages (parse errors, size limits) are safe; anything unexpected is not.
  const message = code === 'CP_ERR_INTERNAL' ? 'Internal error' : error.message;
  return { code, message, ...(requestId ? { requestId } : {}) };
}

export const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const body = toErrorBody(error, ctx?.req.requestId);
      // Drop the stack tRPC adds in development: callers never see internals.
      const { stack: _stack, ...data } = shape.data;
      return { ...shape, message: body.message, data: { ...data, error: body } };
    },
  });
