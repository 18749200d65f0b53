import { PolicyResponse, type PolicyContext } from '../pipeline/policy-context.js';
import { ExpressionError, ExpressionFailure } from './expression-error.js';

const EMPTY = Object.freeze({});
const NO_HEADERS: ReadonlyMap<string, string> = new Map();

// Views are null-prototype objects whose fields are getters on a shared prototype: the CEL
// library converts plain objects field by field, on access, so a view costs one allocation per
// exchange and reads the context as it is now (after set-header, rewrite-uri…).
interface ContextView {
  readonly scope: ExpressionScope;
}

function view<T extends object>(getters: T): object {
  const prototype = Object.create(null) as object;
  for (const [name, get] of Object.entries(getters)) Object.defineProperty(prototype, name, { get: get as () => unknown });
  return prototype;
}

function requestBody(this: ContextView): unknown {
  const scope = this.scope;
  const body = scope.ctx.request.body;
  if (body === undefined) return undefined;
  if (body.length > scope.maxBodyBytes) {
    throw new ExpressionError(
      ExpressionFailure.budgetExceeded,
      `request.body is ${body.length} bytes, over the ${scope.maxBodyBytes} an expression may read`,
      'expression',
      '',
    );
  }
  // Parsed once per body: set-body replacing it makes a new Buffer.
  if (scope.parsedBody !== body) {
    scope.parsedBody = body;
    const text = body.toString('utf8');
    const type = scope.ctx.request.headers.first('content-type') ?? '';
    scope.bodyValue = type.includes('json') ? parseJson(text) : text;
  }
  return scope.bodyValue;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const requestView = view({
  method(this: ContextView) {
    return this.scope.ctx.request.method;
  },
  url(this: ContextView) {
    const request = this.scope.ctx.request;
    return {
      scheme: request.scheme,
      host: request.host,
      port: BigInt(request.port),
      path: request.path,
      queryString: request.query.toQueryString(),
    };
  },
  headers(this: ContextView) {
    return this.scope.ctx.request.headers.joined();
  },
  query(this: ContextView) {
    return this.scope.ctx.request.query.joined();
  },
  params(this: ContextView) {
    return this.scope.ctx.request.params;
  },
  body: requestBody,
  ip(this: ContextView) {
    return this.scope.ctx.request.ip;
  },
});

const responseView = view({
  status(this: ContextView) {
    const response = this.scope.ctx.response;
    return response === undefined ? undefined : BigInt(response.status);
  },
  statusReason(this: ContextView) {
    return this.scope.ctx.response?.reason;
  },
  headers(this: ContextView) {
    return this.scope.ctx.response?.headers.joined() ?? NO_HEADERS;
  },
  body(this: ContextView) {
    const body = this.scope.ctx.response?.body;
    return body === undefined ? undefined : body.toString('utf8');
  },
});

// A PolicyResponse kept in a variable (send-request) reads as `response` does. The CEL library
// takes a null-prototype object for a map and reads its own properties: own getters over a
// hidden slot keep the conversion lazy (the body is decoded only when an expression reads it).
const kResponse = Symbol('response');
type HeldResponse = { readonly [kResponse]: PolicyResponse };

function heldFields(withBody: boolean): PropertyDescriptorMap {
  const fields: PropertyDescriptorMap = {
    status: {
      enumerable: true,
      get(this: HeldResponse) {
        return BigInt(this[kResponse].status);
      },
    },
    statusReason: {
      enumerable: true,
      get(this: HeldResponse) {
        return this[kResponse].reason;
      },
    },
    headers: {
      enumerable: true,
      get(this: HeldResponse) {
        return this[kResponse].headers.joined();
      },
    },
  };
  if (withBody) {
    fields.body = {
      enumerable: true,
      get(this: HeldResponse) {
        return this[kResponse].body?.toString('utf8');
      },
    };
  }
  return fields;
}

const HELD_WITH_BODY = heldFields(true);
const HELD_WITHOUT_BODY = heldFields(false);

function heldResponse(response: PolicyResponse): object {
  const held = Object.create(null, response.body === undefined ? HELD_WITHOUT_BODY : HELD_WITH_BODY) as {
    [kResponse]: PolicyResponse;
  };
  held[kResponse] = response;
  return held;
}

/** `variables` as expressions see them: the context's map, or a copy with responses made readable. */
function variablesView(variables: ReadonlyMap<string, unknown>): ReadonlyMap<string, unknown> {
  let view: Map<string, unknown> | undefined;
  for (const [name, value] of variables) {
    if (!(value instanceof PolicyResponse)) continue;
    view ??= new Map(variables);
    view.set(name, heldResponse(value));
  }
  return view ?? variables;
}

const contextView = view({
  elapsed(this: ContextView) {
    return BigInt(Math.floor(this.scope.ctx.elapsed));
  },
  requestId(this: ContextView) {
    return this.scope.ctx.requestId;
  },
  lastError(this: ContextView) {
    return this.scope.ctx.lastError ?? EMPTY;
  },
});

/**
 * The activation expressions of one exchange evaluate against: `request`, `response`,
 * `subscription`, `product`, `api`, `operation`, `user`, `variables`, `jwt`, `context`.
 * One per exchange, created on the first evaluation.
 */
class ExpressionScope {
  readonly ctx: PolicyContext;
  readonly maxBodyBytes: number;
  parsedBody: Buffer | undefined;
  bodyValue: unknown;
  readonly request: object;
  readonly context: object;
  readonly #response: object;

  constructor(ctx: PolicyContext, maxBodyBytes: number) {
    this.ctx = ctx;
    this.maxBodyBytes = maxBodyBytes;
    this.parsedBody = undefined;
    this.bodyValue = undefined;
    this.request = withScope(requestView, this);
    this.context = withScope(contextView, this);
    this.#response = withScope(responseView, this);
  }

  get response(): object {
    return this.ctx.response === undefined ? EMPTY : this.#response;
  }
  get subscription(): object {
    return this.ctx.subscription ?? EMPTY;
  }
  get product(): object {
    return this.ctx.product ?? EMPTY;
  }
  get api(): object {
    return this.ctx.api ?? EMPTY;
  }
  get operation(): object {
    return this.ctx.operation ?? EMPTY;
  }
  get user(): object {
    return this.ctx.user ?? EMPTY;
  }
  get variables(): ReadonlyMap<string, unknown> {
    return variablesView(this.ctx.variables);
  }
  get jwt(): ReadonlyMap<string, unknown> {
    return this.ctx.jwt ?? NO_CLAIMS;
  }
}

const NO_CLAIMS: ReadonlyMap<string, unknown> = new Map();

// The view's getters read `this.scope`: one small object per view and exchange, no closures.
function withScope(prototype: object, scope: ExpressionScope): object {
  const target = Object.create(prototype) as { scope: ExpressionScope };
  target.scope = scope;
  return target;
}

/** The exchange's scope, created on first use. */
export function expressionScope(ctx: PolicyContext, maxBodyBytes: number): object {
  return (ctx.expressionScope ??= new ExpressionScope(ctx, maxBodyBytes));
}
