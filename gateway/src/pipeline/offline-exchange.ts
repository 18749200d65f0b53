import { GW_ERR, type GatewayError } from '../runtime/gateway-errors.js';
import { FieldMap } from './field-map.js';
import { PolicyResponse, type BackendSendOptions, type PolicyBackend, type PolicyContext } from './policy-context.js';
import { PolicyError } from './policy-error.js';
import { handlePipelineError, runSection, type PolicyPipeline } from './run-pipeline.js';
import { Outcome } from './statement-handler.js';

/** What the offline backend answers: a response, or a failure as the real call would raise it. */
export type StaticAnswer =
  | { readonly status: number; readonly reason?: string; readonly headers?: readonly string[]; readonly body?: string | Buffer }
  | { readonly failure: 'upstream-timeout' | 'upstream-unreachable' | 'circuit-open' | 'backend-not-configured' };

/** One request the offline backend received, as the policies left it. */
export interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Flat `[name, value, …]`. */
  readonly headers: string[];
  readonly body: Buffer | undefined;
  /** set-backend-service's choice, if any. */
  readonly backendId: string | undefined;
  readonly backendUrl: string | undefined;
  readonly options: BackendSendOptions;
}

const FAILURES: Record<string, GatewayError> = {
  'upstream-timeout': GW_ERR.upstreamTimeout,
  'upstream-unreachable': GW_ERR.upstreamUnreachable,
  'circuit-open': GW_ERR.circuitOpen,
  'backend-not-configured': GW_ERR.backendNotConfigured,
};

/**
 * A backend without network: answers every call with `answer` (or what `answer(ctx, n)` gives
 * for the n-th call, from 0) and records what it was sent. For dry runs (policies.trace) and tests.
 *
 * @example
 * const backend = new StaticBackend({ status: 200, headers: ['content-type', 'application/json'], body: '{"ok":true}' });
 * const ctx = new PolicyContext({ request: { method: 'GET', path: '/orders/1' }, requestId: 'dry-run', backend });
 * await runOfflineExchange(pipeline, ctx);
 * ctx.response; // what the caller would get
 * backend.sent[0]; // what the backend would have been sent
 */
export class StaticBackend implements PolicyBackend {
  readonly sent: SentRequest[] = [];
  readonly #answer: StaticAnswer | ((ctx: PolicyContext, call: number) => StaticAnswer);

  constructor(answer: StaticAnswer | ((ctx: PolicyContext, call: number) => StaticAnswer)) {
    this.#answer = answer;
  }

  send(ctx: PolicyContext, options: BackendSendOptions): Promise<void> {
    const request = ctx.request;
    const call = this.sent.length;
    ctx.backendCalls++;
    this.sent.push({
      method: request.method,
      path: request.path,
      query: request.query.toQueryString(),
      headers: request.headers.toFlat(),
      body: request.body,
      backendId: ctx.backendId,
      backendUrl: ctx.backendUrl?.href,
      options,
    });
    const answer = typeof this.#answer === 'function' ? this.#answer(ctx, call) : this.#answer;
    const where = options.where ?? 'backend';
    if ('failure' in answer) {
      const error = FAILURES[answer.failure]!;
      return Promise.reject(new PolicyError('forward-request', answer.failure, error.status, error.message, where));
    }
    const body = answer.body === undefined ? undefined : Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(answer.body);
    const headers = FieldMap.fromFlat(answer.headers ?? [], true);
    ctx.response = new PolicyResponse(answer.status, answer.reason ?? '', headers, body);
    if (options.failOnErrorStatusCode === true && answer.status >= 400 && answer.status <= 599) {
      return Promise.reject(
        new PolicyError(
          'forward-request',
          'backend-error-status',
          answer.status,
          `The backend answered ${answer.status}.`,
          where,
        ),
      );
    }
    return Promise.resolve();
  }
}

const IMPLICIT_FORWARD: BackendSendOptions = { where: 'backend' };

/**
 * Runs a whole exchange in process, as the traffic path does: inbound, backend, the backend call
 * through `ctx.backend` (implicitly after the backend section when no forward-request called it;
 * nothing is called when `ctx.backend` is undefined and ctx.response is left as it is), outbound,
 * and on-error on any failure. The caller's answer is `ctx.response` when it resolves.
 */
export async function runOfflineExchange(pipeline: PolicyPipeline, ctx: PolicyContext): Promise<void> {
  if ((await runSection(pipeline, 'inbound', ctx)) === Outcome.respond) return;
  if ((await runSection(pipeline, 'backend', ctx)) === Outcome.respond) return;
  if (ctx.backendCalls === 0 && ctx.backend !== undefined) {
    try {
      await ctx.backend.send(ctx, IMPLICIT_FORWARD);
    } catch (error) {
      await handlePipelineError(pipeline, ctx, error);
      return;
    }
  }
  await runSection(pipeline, 'outbound', ctx);
}
