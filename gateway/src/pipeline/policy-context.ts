import type { PolicySection } from '../policies/sections.js';
import { FieldMap, parseQueryString } from './field-map.js';

/** What a failed statement or expression leaves for on-error (Azure's `context.LastError`). */
export interface LastError {
  /** What failed: the policy name, or `gateway` for an unexpected fault. */
  readonly source: string;
  /** A stable kebab-case reason, such as `header-not-found` or `expression-failed`. */
  readonly reason: string;
  readonly message: string;
  /** Where: `inbound[2] check-header`. */
  readonly policy?: string | undefined;
}

/** Records describing who calls what; `undefined` on anonymous calls. Plain and readonly. */
export interface SubscriptionInfo {
  readonly id: string;
  readonly name: string;
  readonly state: string;
}
export interface ProductInfo {
  readonly id: string;
  readonly name: string;
  readonly subscriptionRequired: boolean;
  readonly approvalRequired: boolean;
}
export interface ApiInfo {
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly type: string;
  readonly version: string;
  readonly revision: string;
  readonly serviceUrl: string;
}
export interface OperationInfo {
  readonly id: string;
  readonly name: string;
  readonly method: string;
  readonly urlTemplate: string;
}
export interface UserInfo {
  readonly id: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly groups: readonly string[];
}

export interface PolicyRequestInit {
  method: string;
  /** Path as sent to the backend, without the query: `/orders/42`. */
  path: string;
  /** Query string without `?`. */
  query?: string;
  /** Flat `[name, value, …]`, as node's `rawHeaders`. */
  headers?: readonly string[];
  /** How many entries of `headers` are the request's (the rest are ignored); all by default. */
  headerCount?: number;
  body?: Buffer | undefined;
  ip?: string;
  scheme?: string;
  host?: string;
  port?: number;
  /** Values bound by the operation's URL template (`/orders/{id}`). */
  params?: ReadonlyMap<string, string>;
}

export class PolicyRequest {
  method: string;
  path: string;
  readonly query: FieldMap;
  readonly headers: FieldMap;
  /** Buffered body, present only when the pipeline needs it (`bodyNeeded`). */
  body: Buffer | undefined;
  /** Set from the compiled pipeline: something reads or rewrites the body, so it is buffered. */
  bodyNeeded: boolean;
  readonly ip: string;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly params: ReadonlyMap<string, string>;

  constructor(init: PolicyRequestInit) {
    this.method = init.method;
    this.path = init.path;
    this.query = parseQueryString(init.query ?? '');
    this.headers = FieldMap.fromFlat(init.headers ?? [], true, init.headerCount);
    this.body = init.body;
    this.bodyNeeded = init.body !== undefined;
    this.ip = init.ip ?? '';
    this.scheme = init.scheme ?? 'http';
    this.host = init.host ?? '';
    this.port = init.port ?? (this.scheme === 'https' ? 443 : 80);
    this.params = init.params ?? EMPTY_PARAMS;
  }
}

const EMPTY_PARAMS: ReadonlyMap<string, string> = new Map();

export class PolicyResponse {
  status: number;
  reason: string;
  readonly headers: FieldMap;
  body: Buffer | undefined;

  constructor(status: number, reason = '', headers: FieldMap = new FieldMap(true), body?: Buffer) {
    this.status = status;
    this.reason = reason;
    this.headers = headers;
    this.body = body;
  }
}

/**
 * Runs once when the exchange has ended: `status` as sent (0 if the caller went away first),
 * body bytes received and sent. Quotas count bandwidth and increment-conditions here.
 */
export type Completion = (ctx: PolicyContext, status: number, bytesIn: number, bytesOut: number) => void;

/**
 * Runs on the final response just before its head is sent, whatever produced it (the backend,
 * return-response, an error): how an inbound statement (cors, rate-limit's remaining-calls
 * header) decorates the answer. `state` is what the statement registered with it. Must not throw.
 */
export type ResponseDecorator = (ctx: PolicyContext, response: PolicyResponse, state: unknown) => void;

/** How a statement (forward-request) wants the backend called. */
export interface BackendSendOptions {
  /** Milliseconds to wait for the response headers; the backend's own timeout when undefined. */
  readonly timeoutMs?: number | undefined;
  /** Follow 301/302/303/307/308 (at most 10); off the backend's origin through the SSRF guard. */
  readonly followRedirects?: boolean | undefined;
  /**
   * `false` lets the body stream to the caller after outbound instead of being read into
   * `response.body` (server-sent events); a statement that requires the body still gets it read (with only optional readers, a body that fits is read).
   */
  readonly bufferResponse?: boolean | undefined;
  /** A 400–599 status fails the call (PolicyError, reason `backend-error-status`) instead of answering. */
  readonly failOnErrorStatusCode?: boolean | undefined;
  /** The calling statement's path (`backend[0]`), for `context.lastError.policy`. */
  readonly where?: string | undefined;
}

/**
 * Calls the backend on behalf of a statement. The traffic exchange implements it with the API's
 * upstream (or the one set-backend-service chose); `createStaticBackend` (testing.ts) answers
 * without any network.
 *
 * `send` sends `ctx.request` as it is now and resolves once `ctx.response` holds the backend's
 * answer (its body buffered unless `bufferResponse` is false and nothing reads it). It rejects
 * with a PolicyError of source `forward-request` and reasons such as `upstream-timeout`,
 * `upstream-unreachable`, `circuit-open`, `backend-not-configured`, `response-body-too-large`,
 * so on-error sees them in `context.lastError`.
 */
export interface PolicyBackend {
  send(ctx: PolicyContext, options: BackendSendOptions): Promise<void>;
}

export interface PolicyContextInit {
  request: PolicyRequestInit;
  requestId: string;
  /** `performance.now()` when the request arrived; defaults to now. */
  startedAt?: number;
  subscription?: SubscriptionInfo | undefined;
  product?: ProductInfo | undefined;
  api?: ApiInfo | undefined;
  operation?: OperationInfo | undefined;
  user?: UserInfo | undefined;
  /** What forward-request calls; undefined where no backend can be called. */
  backend?: PolicyBackend | undefined;
}

/**
 * One exchange as policies see it. Every field is set in the constructor so all contexts share
 * one shape (CONVENTIONS §13); statements mutate it in place.
 */
export class PolicyContext {
  readonly request: PolicyRequest;
  /** Set once a response exists: the backend's, or one a statement or an error produced. */
  response: PolicyResponse | undefined;
  readonly variables: Map<string, unknown>;
  readonly subscription: SubscriptionInfo | undefined;
  readonly product: ProductInfo | undefined;
  readonly api: ApiInfo | undefined;
  readonly operation: OperationInfo | undefined;
  readonly user: UserInfo | undefined;
  /** Claims validate-jwt accepted. */
  jwt: ReadonlyMap<string, unknown> | undefined;
  readonly requestId: string;
  readonly startedAt: number;
  lastError: LastError | undefined;
  /** The section being run. */
  section: PolicySection | undefined;
  /** on-error runs at most once per exchange. */
  onErrorRan: boolean;
  /** What expressions read, built on first use (compile-expression.ts). */
  expressionScope: object | undefined;
  /** Flat `[decorator, state, …]` registered with `decorateResponse`; `undefined` while none is. */
  decorators: unknown[] | undefined;
  /** Registered by statements with `onComplete`; `undefined` while none is. */
  completions: Completion[] | undefined;
  /** Calls the backend for forward-request; undefined where none can be called. */
  backend: PolicyBackend | undefined;
  /** set-backend-service backend-id: a configured backend replacing the API's. */
  backendId: string | undefined;
  /** set-backend-service base-url: the operation path is appended to it (SSRF-guarded). */
  backendUrl: URL | undefined;
  /** Backend calls made by statements (forward-request): when > 0 there is no implicit forward. */
  backendCalls: number;

  constructor(init: PolicyContextInit) {
    this.request = new PolicyRequest(init.request);
    this.response = undefined;
    this.variables = new Map();
    this.subscription = init.subscription;
    this.product = init.product;
    this.api = init.api;
    this.operation = init.operation;
    this.user = init.user;
    this.jwt = undefined;
    this.requestId = init.requestId;
    this.startedAt = init.startedAt ?? performance.now();
    this.lastError = undefined;
    this.section = undefined;
    this.onErrorRan = false;
    this.expressionScope = undefined;
    this.decorators = undefined;
    this.completions = undefined;
    this.backend = init.backend;
    this.backendId = undefined;
    this.backendUrl = undefined;
    this.backendCalls = 0;
  }

  /** Calls `decorator(ctx, response, state)` on the final response just before it is sent. */
  decorateResponse(decorator: ResponseDecorator, state: unknown): void {
    (this.decorators ??= []).push(decorator, state);
  }

  /** Called once by the exchange with the response it is about to send (policy-exchange.ts). */
  decorate(response: PolicyResponse): void {
    const decorators = this.decorators;
    if (decorators === undefined) return;
    this.decorators = undefined;
    for (let i = 0; i < decorators.length; i += 2) (decorators[i] as ResponseDecorator)(this, response, decorators[i + 1]);
  }

  /** Calls `completion` when the exchange ends, whatever the path (response, error, client gone). */
  onComplete(completion: Completion): void {
    (this.completions ??= []).push(completion);
  }

  /** Called once by the exchange when it ends; a failing completion must not affect the others. */
  complete(status: number, bytesIn: number, bytesOut: number, onFault: (error: unknown) => void): void {
    const completions = this.completions;
    if (completions === undefined) return;
    this.completions = undefined;
    // Streamed responses never became a PolicyResponse; conditions read `response.status`.
    if (this.response === undefined && status > 0) this.response = new PolicyResponse(status, '');
    for (const completion of completions) {
      try {
        completion(this, status, bytesIn, bytesOut);
      } catch (error) {
        onFault(error);
      }
    }
  }

  /** Milliseconds since the request arrived. */
  get elapsed(): number {
    return performance.now() - this.startedAt;
  }

  /** The response to change, created empty (200) when none exists yet, as Azure does. */
  ensureResponse(): PolicyResponse {
    return (this.response ??= new PolicyResponse(200, 'OK'));
  }
}
