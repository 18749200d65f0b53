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
