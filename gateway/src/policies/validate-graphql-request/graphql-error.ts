import { PolicyError } from '../../pipeline/policy-error.js';
import type { GatewayError } from '../../runtime/gateway-errors.js';

/** One error as GraphQL responses carry them (GraphQL spec §7.1.2), with a stable code. */
export interface GraphqlErrorEntry {
  readonly message: string;
  readonly locations?: readonly { readonly line: number; readonly column: number }[];
  readonly path?: readonly string[];
  readonly extensions: { readonly code: string };
}

export const GraphqlErrorCode = {
  badRequest: 'BAD_REQUEST',
  tooLarge: 'REQUEST_TOO_LARGE',
  parseFailed: 'GRAPHQL_PARSE_FAILED',
  validationFailed: 'GRAPHQL_VALIDATION_FAILED',
  // As Apollo Server names variable values that do not fit their declared types.
  badVariables: 'BAD_USER_INPUT',
  tooDeep: 'QUERY_TOO_DEEP',
  fieldRejected: 'FIELD_NOT_AUTHORIZED',
  fieldRemoved: 'FIELD_REMOVED',
} as const;

const REASONS: Record<string, string> = {
  BAD_REQUEST: 'graphql-request-invalid',
  REQUEST_TOO_LARGE: 'graphql-request-too-large',
  GRAPHQL_PARSE_FAILED: 'graphql-parse-failed',
  GRAPHQL_VALIDATION_FAILED: 'graphql-validation-failed',
  BAD_USER_INPUT: 'graphql-variables-invalid',
  QUERY_TOO_DEEP: 'graphql-query-too-deep',
  FIELD_NOT_AUTHORIZED: 'graphql-field-rejected',
  FIELD_REMOVED: 'graphql-field-rejected',
};

/** At most this many errors are returned and recorded: a hostile document can hold thousands. */
export const MAX_ERRORS = 20;

/**
 * A request error of validate-graphql-request: 400 with a GraphQL errors block and no data
 * block, as Azure answers, plus the gateway's request id beside it. It goes through on-error like
 * any policy error (lastError.reason is `graphql-…`).
 */
export class GraphqlRequestError extends PolicyError {
  readonly errors: readonly GraphqlErrorEntry[];

  constructor(errors: readonly GraphqlErrorEntry[], where: string) {
    const first = errors[0]!;
    super('validate-graphql-request', REASONS[first.extensions.code] ?? 'graphql-request-invalid', 400, first.message, where);
    this.errors = errors.slice(0, MAX_ERRORS);
    // The runner writes `response.bodyPrefix` + the request id + '}': the prefix opens the GraphQL body.
    const response: GatewayError = {
      status: 400,
      code: first.extensions.code,
      message: first.message,
      bodyPrefix: `{"errors":${JSON.stringify(this.errors)},"requestId":`,
    };
    (this as { response: GatewayError }).response = response;
  }
}
