import { getOperationAST, getVariableValues, GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { GraphqlOperationRequest } from './graphql-payload.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The request errors the backend would answer before running the document, found with the
 * API's schema: the operation to run (by `operationName`, or the only one), and the `variables`
 * coerced to their declared types — a required variable missing, a string for an Int, an
 * unknown enum value. Messages are graphql-js's own, as a graphql-js backend would send them.
 * Variables may come as JSON text (the GET parameter; some clients POST them so).
 */
export function variableErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  request: GraphqlOperationRequest,
  limit: number,
): readonly GraphQLError[] {
  const operation = getOperationAST(document, request.operationName);
  if (operation === null || operation === undefined) {
    return [
      new GraphQLError(
        request.operationName === undefined
          ? 'Must provide operation name if query contains multiple operations.'
          : `Unknown operation named "${request.operationName}".`,
      ),
    ];
  }
  let inputs: unknown = request.variables ?? {};
  if (typeof inputs === 'string') {
    try {
      inputs = JSON.parse(inputs) as unknown;
    } catch {
      return [new GraphQLError('Variables are invalid JSON.')];
    }
  }
  if (inputs === null) inputs = {};
  if (!isObject(inputs)) {
    return [new GraphQLError('Variables must be provided as an Object where each property is a variable value.')];
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], inputs, {
    maxErrors: limit,
    hideSuggestions: true,
  });
  return coerced.errors ?? [];
}
