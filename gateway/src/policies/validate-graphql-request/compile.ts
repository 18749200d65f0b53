import { GraphQLError, parse, print, type DocumentNode } from 'graphql';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { replaceBody } from '../set-body/message-body.js';
import { authorizeFields, compileFieldRules, withoutFields } from './field-rules.js';
import { GraphqlErrorCode, GraphqlRequestError, MAX_ERRORS, type GraphqlErrorEntry } from './graphql-error.js';
import { GraphqlPayloadError, readGraphqlPayload, writeGraphqlPayload, type GraphqlOperationRequest } from './graphql-payload.js';
import { MAX_BRACE_NESTING, nestsDeeperThan, queryDepth, validateWithoutSchema } from './query-analysis.js';
import type { ValidateGraphqlRequestConfig } from './schema.js';

/** Every validate-graphql-request statement also records its errors here, as Azure does. */
export const GRAPHQL_ERRORS_VARIABLE = 'GraphQLErrors';

// graphql-js refuses documents with more tokens than this before building them.
const MAX_TOKENS = 20_000;

function entry(message: string, code: string, error?: GraphQLError): GraphqlErrorEntry {
  const locations = error?.locations?.map(({ line, column }) => ({ line, column }));
  return locations === undefined || locations.length === 0
    ? { message, extensions: { code } }
    : { message, locations, extensions: { code } };
}

function fieldEntry(
  message: string,
  code: string,
  node: { loc?: { startToken: { line: number; column: number } } | undefined },
): GraphqlErrorEntry {
  const token = node.loc?.startToken;
  return token === undefined
    ? { message, extensions: { code } }
    : { message, locations: [{ line: token.line, column: token.column }], extensions: { code } };
}

function record(ctx: PolicyContext, name: string | undefined, errors: readonly GraphqlErrorEntry[]): void {
  for (const variable of name === undefined || name === GRAPHQL_ERRORS_VARIABLE
    ? [GRAPHQL_ERRORS_VARIABLE]
    : [GRAPHQL_ERRORS_VARIABLE, name]) {
    const recorded = ctx.variables.get(variable);
    if (Array.isArray(recorded)) recorded.push(...errors);
    else ctx.variables.set(variable, [...errors]);
  }
}

/**
 * validate-graphql-request: checks a GraphQL request (GET, POST JSON or batch,
 * application/graphql) for size, syntax, the spec's schema-independent rules and depth, then
 * applies the authorize rules to its fields: reject fails the request, remove drops the field
 * before the backend sees it. Failures are request errors: 400 with a GraphQL errors block and no
 * data, through on-error; every error is also pushed to the `GraphQLErrors` variable and to
 * `error-variable-name`. The view carries no GraphQL schema, so fields and types are not checked
 * against the API's schema.
 *
 * @example createValidateGraphqlRequest({ 'max-size': 102400, 'max-depth': 6, authorize: [{ path: '/__*', action: 'reject' }] }, deps)
 */
export function createValidateGraphqlRequest(config: ValidateGraphqlRequestConfig, deps: StatementDeps): StatementHandler {
  deps.readsRequestBody();
  const site = { policy: 'validate-graphql-request', path: deps.path };
  const where = `${deps.path} validate-graphql-request`;
  const maxSize = deps.expressions.int(config['max-size'], site);
  const maxDepth = deps.expressions.int(config['max-depth'], site);
  const rules = compileFieldRules(config.authorize, deps);
  const variable = config['error-variable-name'];

  function fail(ctx: PolicyContext, errors: readonly GraphqlErrorEntry[]): never {
    const bounded = errors.slice(0, MAX_ERRORS);
    record(ctx, variable, bounded);
    throw new GraphqlRequestError(bounded, where);
  }

  function parseDocument(ctx: PolicyContext, request: GraphqlOperationRequest): DocumentNode {
    if (nestsDeeperThan(request.query, MAX_BRACE_NESTING)) {
      fail(ctx, [entry(`The query nests more than ${MAX_BRACE_NESTING} levels of braces.`, GraphqlErrorCode.tooDeep)]);
    }
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: MAX_TOKENS, noLocation: false });
    } catch (error) {
      if (error instanceof GraphQLError) fail(ctx, [entry(error.message, GraphqlErrorCode.parseFailed, error)]);
      throw error;
    }
    const invalid = validateWithoutSchema(document, MAX_ERRORS);
    if (invalid.length > 0)
      fail(
        ctx,
        invalid.map((error) => entry(error.message, GraphqlErrorCode.validationFailed, error)),
      );
    return document;
  }

  return function validateGraphqlRequest(ctx) {
    let payload;
    try {
      payload = readGraphqlPayload(ctx);
    } catch (error) {
      if (!(error instanceof GraphqlPayloadError)) throw error;
      return fail(ctx, [entry(`The GraphQL request is malformed: ${error.message}.`, GraphqlErrorCode.badRequest)]);
    }
    const sizeLimit = maxSize.constant ?? maxSize.evaluate(ctx);
    if (payload.size > sizeLimit) {
      fail(ctx, [
        entry(`The GraphQL request is ${payload.size} bytes, larger than the ${sizeLimit} allowed.`, GraphqlErrorCode.tooLarge),
      ]);
    }
    const depthLimit = maxDepth.constant ?? maxDepth.evaluate(ctx);
    const removedErrors: GraphqlErrorEntry[] = [];
    let rewritten = false;
    for (const request of payload.requests) {
      const document = parseDocument(ctx, request);
      const depth = queryDepth(document, depthLimit);
      if (depth > depthLimit) {
        fail(ctx, [entry(`The query is deeper than the ${depthLimit} levels allowed.`, GraphqlErrorCode.tooDeep)]);
      }
      const { removed, rejected } = authorizeFields(document, rules, ctx);
      if (rejected !== undefined) {
        const name = rejected.field.name.value;
        fail(ctx, [
          fieldEntry(
            `Access to the field '${name}' is not allowed (rule ${rejected.rule.path}).`,
            GraphqlErrorCode.fieldRejected,
            rejected.field,
          ),
        ]);
      }
      if (removed.length === 0) continue;
      for (const field of removed) {
        removedErrors.push(
          fieldEntry(
            `The field '${field.name.value}' was removed: access to it is not allowed.`,
            GraphqlErrorCode.fieldRemoved,
            field,
          ),
        );
      }
      const remaining = withoutFields(document, removed);
      if (remaining === undefined) fail(ctx, removedErrors);
      request.query = print(remaining);
      rewritten = true;
    }
    if (removedErrors.length > 0) record(ctx, variable, removedErrors.slice(0, MAX_ERRORS));
    if (rewritten) {
      const body = writeGraphqlPayload(ctx, payload);
      if (body !== undefined) replaceBody(ctx, false, body);
    }
    return Outcome.continue;
  };
}
