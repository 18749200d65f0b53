import type { Api, Operation, Pipeline } from '@portico/proto';
import { createExpressionCompiler } from '../expressions/compile-expression.js';
import { PolicyError } from './policy-error.js';
import { ExpressionError } from '../expressions/expression-error.js';
import { compilePolicyPipeline } from './compile-pipeline.js';
import { StaticBackend, runOfflineExchange } from './offline-exchange.js';
import { PolicyContext, type ApiInfo, type OperationInfo, type ProductInfo, type SubscriptionInfo } from './policy-context.js';
import { PolicyServices } from './policy-services.js';
import { Outcome, type PolicyLogger, type StatementHandler, type TracedStatement } from './statement-handler.js';

/** A sample call for a dry run: the request as the gateway would see it after routing. */
export interface TraceRequest {
  method: string;
  /** Path relative to the API, as the operation's URL template matches it: `/orders/42`. */
  path: string;
  /** Without `?`. */
  query?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  ip?: string;
  /** Values bound by the URL template. */
  params?: Record<string, string>;
}

/** What the backend answers in the dry run, instead of being called. */
export interface TraceBackendResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string;
}

export interface TraceInput {
  pipeline: Pipeline;
  api?: Api | undefined;
  operation?: Operation | undefined;
  /** `{{name}}` values, decrypted; secret ones are also listed in `secrets` to be masked in the result. */
  namedValues: ReadonlyMap<string, string>;
  secrets?: readonly string[];
  request: TraceRequest;
  backendResponse: TraceBackendResponse;
  context?: {
    subscription?: SubscriptionInfo;
    product?: ProductInfo;
    api?: ApiInfo;
    operation?: OperationInfo;
  };
}

/** One change a statement made: `request.header.x-tier` from `before` (absent: undefined) to `after`. */
export interface TraceEffect {
  field: string;
  before?: string;
  after?: string;
}

export interface TraceStep {
  section: string;
  /** Where in the flattened pipeline: `inbound[2]`, `inbound[0].choose.when[1].statements[0]`. */
  path: string;
  policy: string;
  /** The scope the statement was written in, its id and its place in that document. */
  origin: { scope: string; id: string; path: string };
  /** `continue`, `respond` (it answered; the rest of the section is skipped) or `error` (on-error runs). */
  outcome: 'continue' | 'respond' | 'error';
  effects: TraceEffect[];
  error?: { source: string; reason: string; message: string };
  durationMs: number;
}

export interface TraceMessage {
  method?: string;
  path?: string;
  query?: string;
  status?: number;
  headers: Record<string, string>;
  body: string | null;
}

export interface TraceResult {
  steps: TraceStep[];
  /** What the backend would have been sent, once per call (none when a statement answered first). */
  backendRequests: TraceMessage[];
  /** What the caller would get. */
  response: TraceMessage;
  variables: Record<string, string>;
  lastError: { source: string; reason: string; message: string; policy?: string } | null;
}

/** Longest body kept in a trace; longer ones are cut with a note of their size. */
const MAX_TRACE_BODY = 16 * 1024;

const silentLogger: PolicyLogger = { warn: () => undefined, error: () => undefined };

function flatHeaders(headers: Record<string, string | string[]> | undefined): string[] {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {}))
    for (const one of Array.isArray(value) ? value : [value]) flat.push(name, one);
  return flat;
}

function bodyText(body: Buffer | undefined): string | null {
  if (body === undefined) return null;
  if (body.length <= MAX_TRACE_BODY) return body.toString('utf8');
  return `${body.subarray(0, MAX_TRACE_BODY).toString('utf8')}… (${body.length} bytes)`;
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Everything a statement can change, flattened to `field → text`. */
function snapshot(ctx: PolicyContext): Map<string, string> {
  const out = new Map<string, string>();
  const request = ctx.request;
  out.set('request.method', request.method);
  out.set('request.path', request.path);
  out.set('request.query', request.query.toQueryString());
  for (const [name, values] of request.headers.entries()) out.set(`request.header.${name}`, values.join(', '));
  const requestBody = bodyText(request.body);
  if (requestBody !== null) out.set('request.body', requestBody);
  if (ctx.backendId !== undefined) out.set('backend.id', ctx.backendId);
  if (ctx.backendUrl !== undefined) out.set('backend.url', ctx.backendUrl.href);
  const response = ctx.response;
  if (response !== undefined) {
    out.set('response.status', String(response.status));
    for (const [name, values] of response.headers.entries()) out.set(`response.header.${name}`, values.join(', '));
    const body = bodyText(response.body);
    if (body !== null) out.set('response.body', body);
  }
  for (const [name, value] of ctx.variables) out.set(`variables.${name}`, valueText(value));
  if (ctx.jwt !== undefined) for (const [name, value] of ctx.jwt) out.set(`jwt.${name}`, valueText(value));
  return out;
}

function diff(before: Map<string, string>, after: Map<string, string>): TraceEffect[] {
  const effects: TraceEffect[] = [];
  for (const [field, value] of after) {
    const old = before.get(field);
    if (old === value) continue;
    effects.push(old === undefined ? { field, after: value } : { field, before: old, after: value });
  }
  for (const [field, value] of before) if (!after.has(field)) effects.push({ field, before: value });
  return effects;
}

function describe(error: unknown): { source: string; reason: string; message: string } {
  if (error instanceof PolicyError) return { source: error.source, reason: error.reason, message: error.message };
  if (error instanceof ExpressionError) return { source: error.policy, reason: error.reason, message: error.message };
  return { source: 'gateway', reason: 'internal-error', message: error instanceof Error ? error.message : String(error) };
}

/** Wraps each statement to record its effect; nested statements (choose…) are recorded too. */
function recorder(steps: TraceStep[]) {
  return (handler: StatementHandler, statement: TracedStatement): StatementHandler => {
    const step = (
      ctx: PolicyContext,
      before: Map<string, string>,
      started: number,
      outcome: TraceStep['outcome'],
      error?: unknown,
    ) => {
      steps.push({
        section: ctx.section ?? statement.section,
        path: statement.path,
        policy: statement.policy,
        origin: { ...statement.origin },
        outcome,
        effects: diff(before, snapshot(ctx)),
        ...(error === undefined ? {} : { error: describe(error) }),
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      });
    };
    return (ctx) => {
      const before = snapshot(ctx);
      const started = performance.now();
      const index = steps.length;
      let result: Outcome | Promise<Outcome>;
      try {
        result = handler(ctx);
      } catch (error) {
        step(ctx, before, started, 'error', error);
        throw error;
      }
      // Nested statements record themselves first; keep the parent before them, in running order.
      const place = () => steps.splice(index, 0, steps.pop()!);
      if (typeof result === 'number') {
        step(ctx, before, started, result === Outcome.respond ? 'respond' : 'continue');
        place();
        return result;
      }
      return result.then(
        (outcome) => {
          step(ctx, before, started, outcome === Outcome.respond ? 'respond' : 'continue');
          place();
          return outcome;
        },
        (error: unknown) => {
          step(ctx, before, started, 'error', error);
          place();
          throw error;
        },
      );
    };
  };
}

function message(fields: {
  method?: string;
  path?: string;
  query?: string;
  status?: number;
  headers: Iterable<[string, string[]]>;
  body: Buffer | undefined;
}): TraceMessage {
  const headers: Record<string, string> = {};
  for (const [name, values] of fields.headers) headers[name] = values.join(', ');
  return {
    ...(fields.method === undefined ? {} : { method: fields.method }),
    ...(fields.path === undefined ? {} : { path: fields.path }),
    ...(fields.query === undefined ? {} : { query: fields.query }),
    ...(fields.status === undefined ? {} : { status: fields.status }),
    headers,
    body: bodyText(fields.body),
  };
}

/** Replaces every secret named value in the result's strings with `***`. */
function mask<T>(value: T, secrets: readonly string[]): T {
  const usable = secrets.filter((secret) => secret.length >= 3).sort((a, b) => b.length - a.length);
  if (usable.length === 0) return value;
  const hide = (text: string) => usable.reduce((out, secret) => out.split(secret).join('***'), text);
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return hide(item);
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === 'object')
      return Object.fromEntries(Object.entries(item).map(([key, child]) => [hide(key), walk(child)]));
    return item;
  };
  return walk(value) as T;
}

/**
 * A dry run of one flattened pipeline (`policies.trace`): compiled as a gateway would, run on a
 * sample request with the backend replaced by `backendResponse`, every statement recorded with
 * its scope of origin, its outcome and what it changed. Counters, caches and other per-process
 * state start empty and are thrown away, so a trace never touches live limits; policies that
 * would reach the network (send-request) do so only through the same guards as on traffic.
 *
 * @example
 * const result = await tracePipeline({ pipeline, namedValues: new Map(), request: { method: 'GET', path: '/orders/1' }, backendResponse: { status: 200 } });
 * result.steps.map((step) => `${step.origin.scope} ${step.policy}: ${step.outcome}`);
 */
export async function tracePipeline(input: TraceInput): Promise<TraceResult> {
  const steps: TraceStep[] = [];
  const services = new PolicyServices();
  try {
    const pipeline = compilePolicyPipeline(input.pipeline, {
      namedValues: input.namedValues,
      expressions: createExpressionCompiler(input.namedValues),
      logger: silentLogger,
      services,
      api: input.api,
      operation: input.operation,
      tracer: recorder(steps),
    });
    const answer = input.backendResponse;
    const backend = new StaticBackend({
      status: answer.status,
      headers: flatHeaders(answer.headers),
      ...(answer.body === undefined ? {} : { body: answer.body }),
    });
    const request = input.request;
    const ctx = new PolicyContext({
      ...input.context,
      request: {
        method: request.method.toUpperCase(),
        path: request.path,
        query: request.query ?? '',
        headers: flatHeaders(request.headers),
        body: request.body === undefined ? undefined : Buffer.from(request.body),
        ip: request.ip ?? '203.0.113.10',
        params: new Map(Object.entries(request.params ?? {})),
      },
      requestId: 'trace',
      backend,
    });
    await runOfflineExchange(pipeline, ctx);
    const response = ctx.ensureResponse();
    ctx.decorate(response);
    const result: TraceResult = {
      steps,
      backendRequests: backend.sent.map((sent) =>
        message({
          method: sent.method,
          path: sent.path,
          query: sent.query,
          headers: pairs(sent.headers),
          body: sent.body,
        }),
      ),
      response: message({ status: response.status, headers: response.headers.entries(), body: response.body }),
      variables: Object.fromEntries([...ctx.variables].map(([name, value]) => [name, valueText(value)])),
      lastError: ctx.lastError === undefined ? null : { ...ctx.lastError },
    };
    return mask(result, input.secrets ?? []);
  } finally {
    await services.close();
  }
}

function pairs(flat: readonly string[]): [string, string[]][] {
  const grouped = new Map<string, string[]>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    grouped.set(name, [...(grouped.get(name) ?? []), flat[i + 1]!]);
  }
  return [...grouped];
}
