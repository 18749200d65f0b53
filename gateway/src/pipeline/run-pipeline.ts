import { GW_ERR, type GatewayError } from '../runtime/gateway-errors.js';
import { ExpressionError } from '../expressions/expression-error.js';
import { FieldMap } from './field-map.js';
import { PolicyError } from './policy-error.js';
import { PolicyResponse, type LastError, type PolicyContext } from './policy-context.js';
import { Outcome, type PolicyLogger, type StatementHandler } from './statement-handler.js';

/** The sections of one compiled pipeline, each `null` when empty (CONVENTIONS §3). */
export interface PolicyPipeline {
  readonly inbound: readonly StatementHandler[] | null;
  readonly backend: readonly StatementHandler[] | null;
  readonly outbound: readonly StatementHandler[] | null;
  readonly onError: readonly StatementHandler[] | null;
  /** Something reads `request.body`: buffer it before running inbound. */
  readonly needsRequestBody: boolean;
  /** Whether the backend's body is buffered before outbound runs (see ResponseBodyNeed). */
  readonly responseBody: ResponseBodyNeed;
  /**
   * With `responseBody` optional: whether this exchange wants the body (any optional reader's
   * `when`), asked before the body is read.
   */
  readonly responseBodyWanted: (ctx: PolicyContext) => boolean;
  readonly logger: PolicyLogger;
}

/**
 * What a pipeline's statements need of the backend's body, the strongest need winning:
 * - `none`: it streams to the caller after outbound ran on status and headers;
 * - `optional`: buffered when it fits under the cap (cache-store), else streamed with
 *   `response.body` undefined (statement-handler.ts ResponseBodyRead);
 * - `required`: always buffered; over the cap the exchange fails with 502.
 */
export const ResponseBodyNeed = { none: 'none', optional: 'optional', required: 'required' } as const;
export type ResponseBodyNeed = (typeof ResponseBodyNeed)[keyof typeof ResponseBodyNeed];

/** `responseBodyWanted` of a pipeline whose optional readers want every body. */
export function alwaysWanted(): boolean {
  return true;
}

export type RunnableSection = 'inbound' | 'backend' | 'outbound';

const SECTION_NAMES = { inbound: 'inbound', backend: 'backend', outbound: 'outbound' } as const;

/**
 * Runs `handlers` from `start` with an index loop; synchronous until a handler returns a promise.
 * Failures are thrown to the caller (runSection turns them into on-error). Nested lists
 * (choose…) run through this too.
 */
export function runStatements(handlers: readonly StatementHandler[], ctx: PolicyContext, start = 0): Outcome | Promise<Outcome> {
  for (let i = start; i < handlers.length; i++) {
    const outcome = handlers[i]!(ctx);
    if (outcome === Outcome.continue) continue;
    if (outcome === Outcome.respond) return outcome;
    return resumeStatements(handlers, ctx, i, outcome);
  }
  return Outcome.continue;
}

async function resumeStatements(
  handlers: readonly StatementHandler[],
  ctx: PolicyContext,
  index: number,
  pending: Promise<Outcome>,
): Promise<Outcome> {
  if ((await pending) === Outcome.respond) return Outcome.respond;
  return runStatements(handlers, ctx, index + 1);
}

/**
 * Runs one section of `pipeline`. A failure (a throw, a policy refusal, an expression error)
 * sets `ctx.lastError`, puts the error response in `ctx.response`, runs on-error once and
 * returns `respond`; a failure inside on-error leaves a plain 500. Never throws.
 *
 * @example
 * let outcome = runSection(pipeline, 'inbound', ctx);
 * if (typeof outcome !== 'number') outcome = await outcome;
 * if (outcome === Outcome.respond) return send(ctx.response);
 */
export function runSection(pipeline: PolicyPipeline, section: RunnableSection, ctx: PolicyContext): Outcome | Promise<Outcome> {
  const handlers = pipeline[section];
  if (handlers === null) return Outcome.continue;
  ctx.section = SECTION_NAMES[section];
  let outcome: Outcome | Promise<Outcome>;
  try {
    outcome = runStatements(handlers, ctx);
  } catch (error) {
    return handlePipelineError(pipeline, ctx, error);
  }
  if (typeof outcome === 'number') return outcome;
  return outcome.catch((error: unknown) => handlePipelineError(pipeline, ctx, error));
}

/**
 * What a failure does (also for the traffic handler, when the backend call fails): record it,
 * answer with its error response, and run on-error once. Returns `respond`.
 */
export function handlePipelineError(pipeline: PolicyPipeline, ctx: PolicyContext, error: unknown): Outcome | Promise<Outcome> {
  if (ctx.onErrorRan) return internalError(pipeline, ctx, error, 'on-error failed');
  ctx.onErrorRan = true;
  const { lastError, response, headers } = describeError(error);
  ctx.lastError = lastError;
  ctx.response = errorResponse(response, ctx.requestId, headers);
  if (lastError.source === 'gateway') pipeline.logger.error({ err: error, requestId: ctx.requestId }, 'policy statement failed');
  const handlers = pipeline.onError;
  if (handlers === null) return Outcome.respond;
  ctx.section = 'on-error';
  let outcome: Outcome | Promise<Outcome>;
  try {
    outcome = runStatements(handlers, ctx);
  } catch (inner) {
    return internalError(pipeline, ctx, inner, 'on-error failed');
  }
  if (typeof outcome === 'number') return Outcome.respond;
  return outcome.then(
    () => Outcome.respond,
    (inner: unknown) => internalError(pipeline, ctx, inner, 'on-error failed'),
  );
}

const NO_HEADERS: readonly string[] = [];

function describeError(error: unknown): { lastError: LastError; response: GatewayError; headers: readonly string[] } {
  if (error instanceof PolicyError) {
    return {
      lastError: { source: error.source, reason: error.reason, message: error.message, policy: error.where },
      response: error.response,
      headers: error.headers,
    };
  }
  if (error instanceof ExpressionError) {
    return {
      lastError: { source: error.policy, reason: error.reason, message: error.message, policy: error.where },
      response: GW_ERR.internal,
      headers: NO_HEADERS,
    };
  }
  return {
    lastError: { source: 'gateway', reason: 'internal-error', message: GW_ERR.internal.message, policy: undefined },
    response: GW_ERR.internal,
    headers: NO_HEADERS,
  };
}

function internalError(pipeline: PolicyPipeline, ctx: PolicyContext, error: unknown, message: string): Outcome {
  pipeline.logger.error({ err: error, requestId: ctx.requestId, lastError: ctx.lastError }, message);
  ctx.response = errorResponse(GW_ERR.internal, ctx.requestId);
  return Outcome.respond;
}

/** A gateway JSON error as a response statements (set-header…) can still change. */
export function errorResponse(
  error: GatewayError,
  requestId: string,
  extraHeaders: readonly string[] = NO_HEADERS,
): PolicyResponse {
  const headers = new FieldMap(true);
  headers.set('content-type', ['application/json']);
  for (let i = 0; i + 1 < extraHeaders.length; i += 2) headers.append(extraHeaders[i]!, extraHeaders[i + 1]!);
  return new PolicyResponse(error.status, '', headers, Buffer.from(error.bodyPrefix + JSON.stringify(requestId) + '}'));
}
