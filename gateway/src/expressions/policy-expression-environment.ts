import { Environment } from '@marcbachmann/cel-js';

const headerMap = 'map<string, string>';

/**
 * The CEL environment policy expressions `@( … )` are checked (and later evaluated) against:
 * the request context of DESIGN §7, declared field by field so that a typo (`reqest.method`,
 * `request.methd`) or a type mismatch (`request.url.port + "x"`) is rejected when a document is
 * written rather than when a request reaches it. The gateway builds its runtime environment with
 * this same function, so what validates is what runs.
 *
 * Runtime shape, for the pipeline that fills it:
 * - header maps are keyed by lowercase name (query maps by name as sent); repeated values are
 *   joined with ", ";
 * - `subscription`, `product`, `user` are empty objects on anonymous calls (the CEL library cannot
 *   compare a declared object type with `null`), so expressions test `has(user.id)`;
 * - `response` is empty until the backend answered; `jwt` holds the claims validate-jwt accepted.
 * - `context.elapsed` is in whole milliseconds since the request arrived; `context.lastError` is
 *   empty outside on-error.
 * - `variables` hold CEL values: integers are bigint, as the library returns them.
 * - The subscription key itself is deliberately absent: keys are stored hashed and must not reach
 *   traces or variables (DESIGN §11).
 */
export function createPolicyExpressionEnvironment(): Environment {
  return (
    // Optional access lets an expression read a header that may be missing:
    // request.headers[?"x-version"].orValue("1").
    // maxAstNodes bounds the work of one evaluation together with the cost rules of
    // expression-cost.ts; the same limits apply when a document is written and when it runs.
    new Environment({ enableOptionalTypes: true, limits: { maxAstNodes: 2000, maxDepth: 64 } })
      .registerVariable({
        name: 'request',
        description: 'The incoming request.',
        schema: {
          method: 'string',
          url: { scheme: 'string', host: 'string', port: 'int', path: 'string', queryString: 'string' },
          headers: headerMap,
          query: headerMap,
          // Azure's MatchedParameters: values bound by the operation's URL template (/users/{id}).
          params: headerMap,
          body: 'dyn',
          ip: 'string',
        },
      })
      .registerVariable({
        name: 'response',
        description: 'The backend response (outbound and on-error sections).',
        schema: { status: 'int', statusReason: 'string', headers: headerMap, body: 'dyn' },
      })
      .registerVariable({
        name: 'subscription',
        description: 'The subscription whose key authenticated the call.',
        schema: { id: 'string', name: 'string', state: 'string' },
      })
      .registerVariable({
        name: 'product',
        description: 'The product the subscription belongs to.',
        schema: { id: 'string', name: 'string', subscriptionRequired: 'bool', approvalRequired: 'bool' },
      })
      .registerVariable({
        name: 'api',
        description: 'The API the request was routed to.',
        schema: {
          id: 'string',
          name: 'string',
          path: 'string',
          type: 'string',
          version: 'string',
          revision: 'string',
          serviceUrl: 'string',
        },
      })
      .registerVariable({
        name: 'operation',
        description: 'The operation the request matched.',
        schema: { id: 'string', name: 'string', method: 'string', urlTemplate: 'string' },
      })
      .registerVariable({
        name: 'user',
        description: 'The user owning the subscription.',
        schema: { id: 'string', email: 'string', firstName: 'string', lastName: 'string', groups: 'list<string>' },
      })
      .registerVariable('variables', 'map<string, dyn>', {
        description: 'Values set by set-variable, cache-lookup-value, send-request… in this request.',
      })
      .registerVariable('jwt', 'map<string, dyn>', { description: 'Claims of the token validate-jwt accepted.' })
      .registerVariable({
        name: 'context',
        description: 'The exchange: elapsed milliseconds, request id, and the error on-error runs for.',
        schema: {
          elapsed: 'int',
          requestId: 'string',
          lastError: { source: 'string', reason: 'string', message: 'string', policy: 'string' },
        },
      })
  );
}
