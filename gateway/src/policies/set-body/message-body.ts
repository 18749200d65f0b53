import type { PolicyContext } from '../../pipeline/policy-context.js';
import type { StatementDeps } from '../../pipeline/statement-handler.js';
import type { PolicySection } from '../sections.js';

/**
 * Which message a body statement works on, as in Azure: the request in inbound and backend, the
 * response in outbound and on-error.
 */
export function worksOnResponse(section: PolicySection): boolean {
  return section === 'outbound' || section === 'on-error';
}

/** Declares that the statement reads the body of the message its section works on. */
export function declareBodyRead(deps: StatementDeps): boolean {
  const response = worksOnResponse(deps.section);
  if (response) deps.readsResponseBody();
  else deps.readsRequestBody();
  return response;
}

/**
 * The body of the request or response as statements may read it; undefined when there is none
 * or when it is content-encoded (gzip…): rewriting compressed bytes would corrupt them.
 */
export function readableBody(ctx: PolicyContext, response: boolean): Buffer | undefined {
  const message = response ? ctx.response : ctx.request;
  if (message === undefined) return undefined;
  const encoding = message.headers.first('content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return undefined;
  return message.body;
}

/** The Content-Type of the message the statement works on, lower-cased ('' when none). */
export function contentTypeOf(ctx: PolicyContext, response: boolean): string {
  const message = response ? ctx.response : ctx.request;
  return message?.headers.first('content-type')?.toLowerCase() ?? '';
}

/**
 * Replaces the body of the request or response (created empty when none exists yet). A
 * Content-Length the message carries is kept true to the new body, and a Content-Encoding is
 * dropped: the new body is what is sent, unencoded.
 */
export function replaceBody(ctx: PolicyContext, response: boolean, body: Buffer, contentType?: string): void {
  const message = response ? ctx.ensureResponse() : ctx.request;
  message.body = body;
  const headers = message.headers;
  if (headers.has('content-length')) headers.set('content-length', [String(body.length)]);
  if (headers.has('content-encoding')) headers.delete('content-encoding');
  if (contentType !== undefined) headers.set('content-type', [contentType]);
  if (!response) ctx.request.bodyNeeded = true;
}
