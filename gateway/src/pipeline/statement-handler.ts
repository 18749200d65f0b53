import type { Api, Operation } from '@portico/proto';
import type { ExpressionCompiler } from '../expressions/compile-expression.js';
import type { PolicyStatement } from '../policies/policy-statement.js';
import type { PolicySection } from '../policies/sections.js';
import type { PolicyContext } from './policy-context.js';
import type { PolicyServices } from './policy-services.js';

/** What a statement tells the runner: go on, or stop the section because a response is ready. */
export const Outcome = {
  continue: 0,
  respond: 1,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/**
 * One compiled statement. Synchronous unless it must wait (a counter exchange, a cache, a
 * sub-request): the runner only awaits when a handler returns a promise. A failure throws
 * (PolicyError, ExpressionError, anything else); the runner turns it into on-error.
 */
export type StatementHandler = (ctx: PolicyContext) => Outcome | Promise<Outcome>;

export interface PolicyLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** The lower levels, for the trace policy; loggers without them skip those records. */
  info?(fields: Record<string, unknown>, message: string): void;
  debug?(fields: Record<string, unknown>, message: string): void;
}

/** Shared by every pipeline of a config revision. */
export interface CompileDeps {
  /** Named values of the view, for `{{name}}` (secrets included, already decrypted). */
  readonly namedValues: ReadonlyMap<string, string>;
  readonly expressions: ExpressionCompiler;
  readonly logger: PolicyLogger;
  /** Per-process state that outlives revisions (policy-services.ts). */
  readonly services: PolicyServices;
  /** Wraps each compiled statement (dry runs record what each did); never set on traffic. */
  readonly tracer?: StatementTracer | undefined;
  /** Ids of the backends in the view, to check a literal set-backend-service backend-id; absent in dry runs. */
  readonly backendIds?: ReadonlySet<string> | undefined;
  /** The API and operation the pipeline belongs to (schemas, examples); absent in unit tests. */
  readonly api?: Api | undefined;
  readonly operation?: Operation | undefined;
}

/** What a tracer learns of a statement when it is compiled. */
export interface TracedStatement {
  readonly section: PolicySection;
  readonly path: string;
  readonly policy: string;
  readonly origin: StatementOrigin;
}

export type StatementTracer = (handler: StatementHandler, statement: TracedStatement) => StatementHandler;

/** Where a statement was written: scope, scope id and its place in that document (`inbound[2]`). */
export interface StatementOrigin {
  readonly scope: string;
  readonly id: string;
  readonly path: string;
}

/** What one statement's factory gets: the shared deps and where the statement sits. */
export interface StatementDeps extends CompileDeps {
  readonly section: PolicySection;
  /** `inbound[2]`, `inbound[0].choose.when[1].statements[0]`: for messages and lastError. */
  readonly path: string;
  /** Compiles a nested list (choose, retry…) in `section`; `null` when empty. */
  compileStatements(list: readonly PolicyStatement[] | undefined, path: string): StatementHandler[] | null;
  readonly origin: StatementOrigin;
  /**
   * The same statement in every pipeline it was copied into (an API-scope statement runs in each
   * of the API's operations) and in every revision while its document is unchanged:
   * `api:api_1:inbound[2]`, plus the nested path for statements inside choose/retry. Counters
   * and caches are keyed by it.
   */
  readonly statementId: string;
  /** The statement reads or replaces the request body: it is buffered before inbound runs. */
  readsRequestBody(): void;
  /**
   * The statement reads or replaces the backend's body: it is buffered before outbound runs
   * (beyond MAX_POLICY_RESPONSE_BODY_BYTES the exchange fails with 502). With `{ optional: true }`
   * the statement can do without it (cache-store): see ResponseBodyRead.
   */
  readsResponseBody(read?: ResponseBodyRead): void;
}

/**
 * How a statement that can do without the backend's body asks for it. The body is then buffered
 * only when it fits under MAX_POLICY_RESPONSE_BODY_BYTES (a larger Content-Length is not read at
 * all; a chunked body that grows past it streams on after outbound), never for HEAD, 204 or 304,
 * and only when `when` says this exchange wants it; otherwise outbound runs with `response.body`
 * undefined. A statement that requires the body (no options) wins over every optional one.
 *
 * @example deps.readsResponseBody({ optional: true, when: hasPendingStore })
 */
export interface ResponseBodyRead {
  readonly optional: true;
  /**
   * Whether this exchange wants the body, asked once per backend response before it is read,
   * from what inbound and backend left (the backend's response is not in `ctx` yet). Always
   * wanted when absent.
   */
  readonly when?: ((ctx: PolicyContext) => boolean) | undefined;
}
