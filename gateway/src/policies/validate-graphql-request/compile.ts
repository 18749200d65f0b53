import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { GraphQLError, parse, print, type DocumentNode, type GraphQLSchema } from 'graphql';
import { PipelineCompileError } from '../../pipeline/pipeline-compile-error.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { replaceBody } from '../set-body/message-body.js';
import { createFieldAuthorizer } from './authorize-fields.js';
import { compileFieldRules } from './field-rules.js';
import { GraphqlErrorCode, GraphqlRequestError, MAX_ERRORS, type GraphqlErrorEntry } from './graphql-error.js';
import {
  GraphqlPayloadError,
  readGraphqlPayload,
  writeGraphqlPayload,
  type GraphqlOperationRequest,
  type GraphqlPayload,
} from './graphql-payload.js';
import { graphqlSchemas } from './graphql-schemas.js';
import { variableErrors } from './operation-variables.js';
import { MAX_BRACE_NESTING, nestsDeeperThan, queryDepth, validateDocument } from './query-analysis.js';
import type { ValidateGraphqlRequestConfig } from './schema.js';
import { withoutFields } from './without-fields.js';

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
 * The API's GraphQL schema (`api.graphqlSchema`, the SDL it was imported from), built once per
 * SDL text for the process; undefined when the API has none. An SDL that does not build fails
 * the compile, so the gateway refuses the revision instead of passing every request unchecked.
 */
function apiSchema(deps: StatementDeps, where: string): GraphQLSchema | undefined {
  const sdl = deps.api?.graphqlSchema ?? '';
  if (sdl === '') return undefined;
  const built = deps.services.get(graphqlSchemas).get(sdl);
  if (built.problem !== undefined) {
    throw new PipelineCompileError(`${where}: the API's GraphQL schema does not build: ${built.problem}`);
  }
  return built.schema;
}

/**
 * validate-graphql-request: checks a GraphQL request (GET, POST JSON or batch,
 * application/graphql) for size, syntax, depth and the GraphQL spec's validation rules — all of
 * them against the API's schema when the view carries one (unknown fields and types, argument and
 * variable types, missing required arguments…), plus the variables sent against the operation's
 * declarations; the schema-independent rules only otherwise. It then applies the authorize rules
 * to the fields: reject fails the request, remove drops the field before the backend sees it.
 * With the schema, rules may name any object type and match a field by its real parent type;
 * without it, root types only. Failures are request errors: 400 with a GraphQL errors block and
 * no data, through on-error; every error is also pushed to the `GraphQLErrors` variable and to
 * `error-variable-name`. Messages suggest no field, argument or type names: they would reveal the
 * schema to callers denied introspection.
 *
 * @example createValidateGraphqlRequest({ 'max-size': 102400, 'max-depth': 6, authorize: [{ path: '/User/email', action: 'remove' }] }, deps)
 */
export function createValidateGraphqlRequest(config: ValidateGraphqlRequestConfig, deps: StatementDeps): StatementHandler {
  deps.readsRequestBody();
  const site = { policy: 'validate-graphql-request', path: deps.path };
  const where = `${deps.path} validate-graphql-request`;
  const maxSize = deps.expressions.int(config['max-size'], site);
  const maxDepth = deps.expressions.int(config['max-depth'], site);
  const schema = apiSchema(deps, where);
  const authorizeFields = createFieldAuthorizer(compileFieldRules(config.authorize, deps, schema), schema);
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
    const invalid = validateDocument(schema, document, MAX_ERRORS);
    if (invalid.length > 0)
      fail(
        ctx,
        invalid.map((error) => entry(error.message, GraphqlErrorCode.validationFailed, error)),
      );
    return document;
  }

  /** Checks one document of the request and applies the rules to it; true when it was rewritten. */
  function checkRequest(
    ctx: PolicyContext,
    request: GraphqlOperationRequest,
    depthLimit: number,
    removedErrors: GraphqlErrorEntry[],
  ): boolean {
    const document = parseDocument(ctx, request);
    const depth = queryDepth(document, depthLimit);
    if (depth > depthLimit) {
      fail(ctx, [entry(`The query is deeper than the ${depthLimit} levels allowed.`, GraphqlErrorCode.tooDeep)]);
    }
    if (schema !== undefined) {
      const badVariables = variableErrors(schema, document, request, MAX_ERRORS);
      if (badVariables.length > 0) {
        fail(
          ctx,
          badVariables.map((error) => entry(error.message, GraphqlErrorCode.badVariables, error)),
        );
      }
    }
    const { removed, rejected } = authorizeFields(document, ctx);
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
    if (removed.length === 0) return false;
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
    return true;
  }

  /**
   * Against a schema each document may cost up to graphql's validation budget (tens of ms for a
   * hostile one), so a batch yields to the event loop between its documents: a 100 KB batch of
   * them must not hold up every other request for its whole run.
   */
  async function checkBatch(ctx: PolicyContext, payload: GraphqlPayload, depthLimit: number): Promise<Outcome> {
    const removedErrors: GraphqlErrorEntry[] = [];
    let rewritten = false;
    for (let i = 0; i < payload.requests.length; i++) {
      if (i > 0) await yieldToEventLoop();
      if (checkRequest(ctx, payload.requests[i]!, depthLimit, removedErrors)) rewritten = true;
    }
    return finish(ctx, payload, removedErrors, rewritten);
  }

  function finish(ctx: PolicyContext, payload: GraphqlPayload, removedErrors: GraphqlErrorEntry[], rewritten: boolean): Outcome {
    if (removedErrors.length > 0) record(ctx, variable, removedErrors.slice(0, MAX_ERRORS));
    if (rewritten) {
      const body = writeGraphqlPayload(ctx, payload);
      if (body !== undefined) replaceBody(ctx, false, body);
    }
    return Outcome.continue;
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
    if (schema !== undefined && payload.requests.length > 1) return checkBatch(ctx, payload, depthLimit);
    const removedErrors: GraphqlErrorEntry[] = [];
    let rewritten = false;
    for (const request of payload.requests) {
      if (checkRequest(ctx, request, depthLimit, removedErrors)) rewritten = true;
    }
    return finish(ctx, payload, removedErrors, rewritten);
  };
}
