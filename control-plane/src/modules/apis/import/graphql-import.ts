import {
  buildASTSchema,
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isLeafType,
  isObjectType,
  isRequiredArgument,
  parse,
  validateSchema,
  type DocumentNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { validateSDL } from 'graphql/validation/validate.js';
import type { OperationRepresentation, OperationResponse } from '../../../db/schema/index.js';
import { ImportError, type ImportedApi, type ImportedOperation, type ImportIssue, type ImportSource } from './imported-api.js';
import { graphqlPointerAt } from './graphql-pointer.js';

type OperationType = 'query' | 'mutation' | 'subscription';

/** The GraphQL endpoint relative to the API path, as most servers (Apollo, Yoga, Hasura) expose it. */
export const GRAPHQL_ENDPOINT = '/graphql';

/**
 * Imports GraphQL SDL as a pass-through GraphQL API. The operations are:
 *
 * - `POST /graphql` (`graphql.post`) and, when there is a query type, `GET /graphql`
 *   (`graphql.get`, queries only, per GraphQL over HTTP): the endpoints clients call, and the
 *   only operations the gateway routes HTTP requests to (their binding is null: plain HTTP).
 * - one operation per root field (`query.film`, `mutation.createReview`…) with a `graphql`
 *   binding, so policies, analytics and portal docs can target a field the way they target a
 *   REST operation. The gateway attributes a request to the field operations its document
 *   selects and runs their policies after the endpoint's. Their URL template,
 *   `/graphql/query/film`, is a unique key (as the operations table requires), not a route.
 *
 * One operation for the whole API would leave field-level rules, per-field rate limits and
 * per-field analytics nothing to attach to; fields are what a GraphQL API's consumers use.
 * Field operations are named by operation type, not root type name, so renaming the query
 * type (swapi calls it `Root`) renames nothing.
 *
 * @example
 *   const api = await importGraphql({ fileName: 'schema.graphql', text });
 *   api.operations.map((o) => o.name); // ['graphql.post', 'graphql.get', 'query.allFilms', …]
 */
export function importGraphql(source: ImportSource): Promise<ImportedApi> {
  return new Promise((resolve) => resolve(readGraphql(source)));
}

function readGraphql(source: ImportSource): ImportedApi {
  const document = parseSdl(source);
  const sdlErrors = validateSDL(document);
  if (sdlErrors.length > 0) throw new ImportError(sdlErrors.map((error) => issueOf(error, source, document)));
  const schema = buildASTSchema(document, { assumeValidSDL: true });
  const schemaErrors = validateSchema(schema);
  if (schemaErrors.length > 0) throw new ImportError(schemaErrors.map((error) => issueOf(error, source, document)));
  const roots = rootTypes(schema);
  return {
    type: 'graphql',
    name: baseName(source.fileName),
    description: schema.description ?? '',
    declaredVersion: '',
    serviceUrl: undefined,
    suggestedPath: '',
    sourceFormat: 'graphql-sdl',
    operations: [...endpointOperations(roots.has('query')), ...[...roots].flatMap(([type, root]) => fieldOperations(type, root))],
    warnings: [],
  };
}

function parseSdl(source: ImportSource): DocumentNode {
  try {
    return parse(source.text);
  } catch (error) {
    if (error instanceof GraphQLError) throw new ImportError([issueOf(error, source, undefined)]);
    throw error;
  }
}

function issueOf(error: GraphQLError, source: ImportSource, document: DocumentNode | undefined): ImportIssue {
  const location = error.locations?.[0];
  const offset = error.positions?.[0] ?? error.nodes?.[0]?.loc?.start;
  return {
    // Errors without a position (a missing Query type) concern the schema as a whole.
    pointer: document === undefined ? '' : offset === undefined ? '/schema' : graphqlPointerAt(document, offset),
    line: location?.line,
    file: source.fileName,
    message: error.message,
  };
}

function rootTypes(schema: GraphQLSchema): Map<OperationType, GraphQLObjectType> {
  const roots = new Map<OperationType, GraphQLObjectType>();
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) roots.set('query', query);
  if (mutation) roots.set('mutation', mutation);
  if (subscription) roots.set('subscription', subscription);
  return roots;
}

const REQUEST_SCHEMA = {
  type: 'object',
  properties: {
    query: { type: 'string', description: 'The GraphQL document' },
    operationName: { type: ['string', 'null'] },
    variables: { type: ['object', 'null'] },
    extensions: { type: ['object', 'null'] },
  },
  required: ['query'],
};

const RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    data: { type: ['object', 'null'] },
    errors: { type: 'array', items: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
    extensions: { type: 'object' },
  },
};

/** GraphQL over HTTP: `application/graphql-response+json` is the current media type, `application/json` the legacy one. */
const RESPONSE_REPRESENTATIONS: OperationRepresentation[] = [
  { contentType: 'application/graphql-response+json', schema: RESPONSE_SCHEMA },
  { contentType: 'application/json', schema: RESPONSE_SCHEMA },
];

function endpointOperations(hasQuery: boolean): ImportedOperation[] {
  const post: ImportedOperation = {
    name: 'graphql.post',
    description: 'Executes a GraphQL query, mutation or subscription',
    method: 'POST',
    urlTemplate: GRAPHQL_ENDPOINT,
    parameters: [],
    request: { required: true, representations: [{ contentType: 'application/json', schema: REQUEST_SCHEMA }] },
    responses: [{ status: 200, description: 'GraphQL response', representations: RESPONSE_REPRESENTATIONS }],
    tags: ['GraphQL'],
    binding: null,
  };
  if (!hasQuery) return [post];
  const get: ImportedOperation = {
    ...post,
    name: 'graphql.get',
    description: 'Executes a GraphQL query passed in the URL (mutations are refused over GET)',
    method: 'GET',
    parameters: [
      { name: 'query', in: 'query', required: true, schema: { type: 'string' } },
      { name: 'operationName', in: 'query', schema: { type: 'string' } },
      { name: 'variables', in: 'query', description: 'JSON-encoded variables', schema: { type: 'string' } },
      { name: 'extensions', in: 'query', description: 'JSON-encoded extensions', schema: { type: 'string' } },
    ],
    request: null,
  };
  return [post, get];
}

function fieldOperations(operationType: OperationType, root: GraphQLObjectType): ImportedOperation[] {
  return Object.values(root.getFields()).map((field) => {
    const returns = `Returns ${String(field.type)}.`;
    return {
      name: `${operationType}.${field.name}`,
      description: field.description ? `${field.description}\n\n${returns}` : returns,
      method: 'POST',
      urlTemplate: `${GRAPHQL_ENDPOINT}/${operationType}/${field.name}`,
      parameters: [],
      request: {
        required: true,
        representations: [
          {
            contentType: 'application/json',
            schema: REQUEST_SCHEMA,
            examples: { [field.name]: { value: exampleRequest(operationType, field) } },
          },
        ],
      },
      responses: [fieldResponse(operationType)],
      tags: [root.name],
      binding: { kind: 'graphql', operationType, field: field.name },
    };
  });
}

function fieldResponse(operationType: OperationType): OperationResponse {
  if (operationType !== 'subscription')
    return { status: 200, description: 'GraphQL response', representations: RESPONSE_REPRESENTATIONS };
  // Subscriptions over HTTP stream as server-sent events (GraphQL over SSE); WebSocket clients upgrade instead.
  return { status: 200, description: 'A stream of GraphQL responses', representations: [{ contentType: 'text/event-stream' }] };
}

/** A runnable request selecting the field and its scalar subfields, so the portal has something to send. */
function exampleRequest(operationType: OperationType, field: GraphQLField<unknown, unknown>): Record<string, unknown> {
  const operationName = field.name.charAt(0).toUpperCase() + field.name.slice(1);
  const variables = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const query = `${operationType} ${operationName}${variables ? `(${variables})` : ''} { ${field.name}${args ? `(${args})` : ''}${selectionOf(getNamedType(field.type))} }`;
  return { query, operationName, variables: {} };
}

function selectionOf(type: GraphQLNamedType): string {
  if (isLeafType(type)) return '';
  if (!isObjectType(type) && !isInterfaceType(type)) return ' { __typename }';
  const leaves = Object.values(type.getFields())
    .filter((field) => isLeafType(getNamedType(field.type)) && !field.args.some(isRequiredArgument))
    .map((field) => field.name);
  return ` { ${leaves.length > 0 ? leaves.join(' ') : '__typename'} }`;
}

function baseName(fileName: string): string {
  return fileName.replace(/^.*[\\/]/, '').replace(/\.(graphqls?|gql|sdl)$/i, '');
}
