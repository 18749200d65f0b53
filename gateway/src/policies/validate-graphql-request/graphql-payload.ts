import type { PolicyContext } from '../../pipeline/policy-context.js';

/** One GraphQL request as sent: its document text and the JSON object it came in, if any. */
export interface GraphqlOperationRequest {
  query: string;
  readonly operationName: string | undefined;
  /**
   * Its `variables` as sent, undefined when absent: a JSON value, or the JSON text of the GET
   * parameter. Only checked (against the operation) when the API's schema is known.
   */
  readonly variables: unknown;
  /** The JSON member it was read from (POST application/json), rewritten in place. */
  readonly source: Record<string, unknown> | undefined;
}

/**
 * Documents in one batch: validation against a schema costs up to tens of milliseconds for a
 * hostile document, so a batch must not multiply that without bound within one request.
 */
export const MAX_BATCH_LENGTH = 20;

/** How the request carried its GraphQL: the URL (GET), JSON, a JSON batch, or application/graphql. */
export interface GraphqlPayload {
  readonly carrier: 'url' | 'json' | 'batch' | 'graphql';
  readonly requests: GraphqlOperationRequest[];
  /** Bytes counted against max-size: the body, or the query parameter for GET. */
  readonly size: number;
  /** The parsed JSON body, for writing it back. */
  readonly json: unknown;
}

export class GraphqlPayloadError extends Error {
  override readonly name = 'GraphqlPayloadError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fromJsonMember(member: unknown): GraphqlOperationRequest {
  if (!isObject(member) || typeof member.query !== 'string') {
    throw new GraphqlPayloadError("the request holds no GraphQL document: expected a JSON object with a string 'query'");
  }
  const name = member.operationName;
  return {
    query: member.query,
    operationName: typeof name === 'string' ? name : undefined,
    variables: member.variables ?? undefined,
    source: member,
  };
}

/**
 * The GraphQL requests of an HTTP request, per GraphQL over HTTP: `query` and `operationName` in
 * the URL for GET, a JSON object (or a batch array) for POST, or the document itself with
 * Content-Type application/graphql. Persisted-query extensions without a query are refused: the
 * gateway cannot validate what it cannot read.
 */
export function readGraphqlPayload(ctx: PolicyContext): GraphqlPayload {
  const request = ctx.request;
  const body = request.body;
  if (request.method === 'GET' || request.method === 'HEAD' || body === undefined || body.length === 0) {
    const query = request.query.first('query');
    if (query === undefined) throw new GraphqlPayloadError("the request holds no GraphQL document: no 'query' parameter or body");
    const operationName = request.query.first('operationName');
    return {
      carrier: 'url',
      requests: [{ query, operationName, variables: request.query.first('variables'), source: undefined }],
      size: Buffer.byteLength(query),
      json: undefined,
    };
  }
  const contentType = request.headers.first('content-type')?.toLowerCase() ?? '';
  if (contentType.startsWith('application/graphql') && !contentType.includes('json')) {
    return {
      carrier: 'graphql',
      requests: [{ query: body.toString('utf8'), operationName: undefined, variables: undefined, source: undefined }],
      size: body.length,
      json: undefined,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new GraphqlPayloadError('the request body is not JSON');
  }
  if (Array.isArray(json)) {
    if (json.length === 0) throw new GraphqlPayloadError('the batch holds no GraphQL request');
    if (json.length > MAX_BATCH_LENGTH)
      throw new GraphqlPayloadError(`the batch holds ${json.length} GraphQL requests; at most ${MAX_BATCH_LENGTH} are accepted`);
    return { carrier: 'batch', requests: json.map(fromJsonMember), size: body.length, json };
  }
  return { carrier: 'json', requests: [fromJsonMember(json)], size: body.length, json };
}

/** Writes rewritten documents (fields removed) back where they came from. */
export function writeGraphqlPayload(ctx: PolicyContext, payload: GraphqlPayload): Buffer | undefined {
  switch (payload.carrier) {
    case 'url':
      ctx.request.query.set('query', [payload.requests[0]!.query]);
      return undefined;
    case 'graphql':
      return Buffer.from(payload.requests[0]!.query);
    default:
      for (const request of payload.requests) request.source!.query = request.query;
      return Buffer.from(JSON.stringify(payload.json));
  }
}
