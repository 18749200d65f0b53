import type { PolicyContext, PolicyResponse } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { CorsConfig } from './schema.js';

/** A CORS preflight (Fetch standard §3.2.2): OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, origin: string | undefined, requestMethod: string | undefined): boolean {
  return method === 'OPTIONS' && origin !== undefined && requestMethod !== undefined;
}

const DEFAULT_METHODS = ['GET', 'POST'];
const NO_HEADERS: readonly string[] = [];

// Configured origins are compared as browsers send them: scheme://host[:port], lower-case, no '/'.
function normalizeOrigin(origin: string): string {
  return new URL(origin).origin;
}

function hasVaryOrigin(response: PolicyResponse): boolean {
  const lines = response.headers.get('vary');
  if (lines === undefined) return false;
  for (const line of lines) {
    for (const item of line.split(',')) {
      const token = item.trim().toLowerCase();
      if (token === 'origin' || token === '*') return true;
    }
  }
  return false;
}

function addVaryOrigin(response: PolicyResponse): void {
  if (!hasVaryOrigin(response)) response.headers.append('Vary', 'Origin');
}

/**
 * cors, as Azure's: a preflight from an allowed origin asking for an allowed method and headers is
 * answered 200 with the Access-Control-Allow-* headers; an actual request from an allowed origin
 * goes on and its final response — the backend's, a policy's or an error — gets
 * Access-Control-Allow-Origin (with Allow-Credentials and Expose-Headers as configured).
 * Requests that do not match: a preflight ends with an empty 200 when terminate-unmatched-request
 * (else the next cors statement decides, and an empty 200 if none does — the traffic handler's
 * preflight pipeline); a GET or HEAD ends with an empty 200 when terminate-unmatched-request,
 * else goes on without CORS headers; other methods go on without them. Responses that depend on
 * Origin carry `Vary: Origin` so caches keep them apart.
 *
 * Preflights reach this statement through the pipeline of the operation they ask about
 * (traffic-handler.ts), where only the cors statements of inbound run, as in Azure.
 *
 * @example createCors({ 'allowed-origins': ['https://portal.example.com'], 'allowed-methods': ['GET', 'POST'], 'allow-credentials': false, 'terminate-unmatched-request': true }, deps)
 */
export function createCors(config: CorsConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'cors', path: deps.path };
  const allowCredentials = deps.expressions.bool(config['allow-credentials'], site);
  const terminateUnmatched = deps.expressions.bool(config['terminate-unmatched-request'], site);
  const maxAge =
    config['preflight-result-max-age'] === undefined ? undefined : deps.expressions.int(config['preflight-result-max-age'], site);
  const anyOrigin = config['allowed-origins'][0] === '*';
  const origins = new Set(anyOrigin ? [] : config['allowed-origins'].map(normalizeOrigin));
  const methodList = config['allowed-methods'] ?? DEFAULT_METHODS;
  const anyMethod = methodList.includes('*');
  const methods = new Set(methodList);
  const headerList = config['allowed-headers'] ?? NO_HEADERS;
  const anyHeader = headerList.includes('*');
  const headers = new Set(headerList.map((name) => name.toLowerCase()));
  const exposed = config['expose-headers']?.join(', ');
  // With '*' and no credentials every origin gets the same answer; otherwise the origin is echoed.
  const echoesOrigin = !anyOrigin || allowCredentials.constant !== false;

  const originAllowed = (origin: string): boolean => anyOrigin || origins.has(origin) || origins.has(origin.toLowerCase());

  const allowOriginValue = (origin: string, credentials: boolean): string => (anyOrigin && !credentials ? '*' : origin);

  function headersAllowed(requested: string | undefined): boolean {
    if (requested === undefined || anyHeader) return true;
    for (const item of requested.split(',')) {
      const name = item.trim().toLowerCase();
      if (name !== '' && !headers.has(name)) return false;
    }
    return true;
  }

  const emptyOk = (ctx: PolicyContext): Outcome => {
    ctx.response = undefined;
    const response = ctx.ensureResponse();
    if (echoesOrigin) addVaryOrigin(response);
    return Outcome.respond;
  };

  // Decorates the final response of an actual cross-origin request from an allowed origin.
  const decorateActual = (ctx: PolicyContext, response: PolicyResponse, state: unknown): void => {
    const origin = state as string;
    const credentials = allowCredentials.constant ?? allowCredentials.evaluate(ctx);
    response.headers.set('Access-Control-Allow-Origin', [allowOriginValue(origin, credentials)]);
    if (credentials) response.headers.set('Access-Control-Allow-Credentials', ['true']);
    if (exposed !== undefined) response.headers.set('Access-Control-Expose-Headers', [exposed]);
    if (echoesOrigin) addVaryOrigin(response);
  };
  const varyOnly = (_ctx: PolicyContext, response: PolicyResponse): void => addVaryOrigin(response);

  return function cors(ctx) {
    const request = ctx.request;
    const origin = request.headers.first('origin');
    if (origin === undefined) {
      if (echoesOrigin) ctx.decorateResponse(varyOnly, undefined);
      return Outcome.continue;
    }
    const requestedMethod = request.headers.first('access-control-request-method');
    if (isPreflight(request.method, origin, requestedMethod)) {
      const requestedHeaders = request.headers.get('access-control-request-headers')?.join(',');
      if (originAllowed(origin) && (anyMethod || methods.has(requestedMethod!)) && headersAllowed(requestedHeaders)) {
        const credentials = allowCredentials.constant ?? allowCredentials.evaluate(ctx);
        ctx.response = undefined;
        const response = ctx.ensureResponse();
        const out = response.headers;
        out.set('Access-Control-Allow-Origin', [allowOriginValue(origin, credentials)]);
        if (credentials) out.set('Access-Control-Allow-Credentials', ['true']);
        // Echoing what was asked is valid with or without credentials, where '*' is not.
        out.set('Access-Control-Allow-Methods', [requestedMethod!]);
        if (requestedHeaders !== undefined && requestedHeaders.trim() !== '') {
          out.set('Access-Control-Allow-Headers', [requestedHeaders]);
        }
        if (maxAge !== undefined) out.set('Access-Control-Max-Age', [String(maxAge.constant ?? maxAge.evaluate(ctx))]);
        if (echoesOrigin) addVaryOrigin(response);
        return Outcome.respond;
      }
      if (terminateUnmatched.constant ?? terminateUnmatched.evaluate(ctx)) return emptyOk(ctx);
      return Outcome.continue;
    }
    if (originAllowed(origin)) {
      ctx.decorateResponse(decorateActual, origin);
      return Outcome.continue;
    }
    if (
      (request.method === 'GET' || request.method === 'HEAD') &&
      (terminateUnmatched.constant ?? terminateUnmatched.evaluate(ctx))
    ) {
      return emptyOk(ctx);
    }
    if (echoesOrigin) ctx.decorateResponse(varyOnly, undefined);
    return Outcome.continue;
  };
}

/** Ends a preflight no cors statement answered: an empty 200, as Azure does. */
export function answerUnmatchedPreflight(ctx: PolicyContext): Outcome {
  ctx.response = undefined;
  ctx.ensureResponse();
  return Outcome.respond;
}
