import type { ServerResponse } from 'node:http';

/** A gateway-generated error: stable code, HTTP status and public message (CONVENTIONS §11). */
export interface GatewayError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** The JSON body up to the request id, built once: an error response only appends the id. */
  readonly bodyPrefix: string;
}

/** Builds an error of the catalogue; per-API variants (naming the key header) are built at compile time. */
export function gatewayError(status: number, code: string, message: string): GatewayError {
  const bodyPrefix = `{"statusCode":${status},"code":${JSON.stringify(code)},"message":${JSON.stringify(message)},"requestId":`;
  return { status, code, message, bodyPrefix };
}

function keyLocation(headerName: string, queryName: string): string {
  const places: string[] = [];
  if (headerName !== '') places.push(`the '${headerName}' header`);
  if (queryName !== '') places.push(`the '${queryName}' query parameter`);
  return places.length === 0 ? '' : ` Send it in ${places.join(' or ')}.`;
}

/** The gateway's error catalogue (GW_ERR_*). */
export const GW_ERR = {
  badRequest: gatewayError(400, 'bad_request', 'The request could not be parsed: its URL, path or headers are malformed.'),
  apiNotFound: gatewayError(404, 'api_not_found', 'No API is published at this path on this gateway.'),
  apiVersionNotFound: gatewayError(
    404,
    'api_version_not_found',
    'The API at this path is versioned and the request names no version it publishes.',
  ),
  operationNotFound: gatewayError(404, 'operation_not_found', 'The API has no operation matching this method and path.'),
  subscriptionKeyInvalid: gatewayError(
    401,
    'subscription_key_invalid',
    'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.',
  ),
  subscriptionInactive: gatewayError(
    403,
    'subscription_inactive',
    'Access denied: the subscription of this key is not active (suspended, awaiting approval or expired).',
  ),
  subscriptionNoAccess: gatewayError(
    403,
    'subscription_no_access',
    'Access denied: the subscription of this key does not cover this API.',
  ),
  requestBodyTooLarge: gatewayError(
    413,
    'request_body_too_large',
    'The request body is larger than the policies of this operation may read.',
  ),
  backendNotConfigured: gatewayError(502, 'backend_not_configured', 'The API has no backend configured.'),
  backendNotFound: gatewayError(500, 'backend_not_found', 'The backend a policy selected is not configured on this gateway.'),
  responseBodyTooLarge: gatewayError(
    502,
    'response_body_too_large',
    "The backend's response body is larger than the policies of this operation may read.",
  ),
  outboundAddressBlocked: gatewayError(
    502,
    'outbound_address_blocked',
    'The policy target resolves to a loopback, private, link-local or metadata address, which this gateway does not call.',
  ),
  tooManyRedirects: gatewayError(502, 'too_many_redirects', 'The backend redirected too many times.'),
  upstreamUnreachable: gatewayError(502, 'upstream_unreachable', 'The backend could not be reached or closed the connection.'),
  upstreamTimeout: gatewayError(504, 'upstream_timeout', 'The backend did not answer in time.'),
  circuitOpen: gatewayError(503, 'circuit_open', 'The backend is failing and calls to it are paused; retry later.'),
  noConfig: gatewayError(503, 'gateway_not_configured', 'The gateway has not received its configuration yet.'),
  internal: gatewayError(500, 'internal_error', 'The gateway failed to process the request.'),
} as const;

/** The 401 for a missing key, saying where this API expects it. */
export function subscriptionKeyMissing(headerName: string, queryName: string): GatewayError {
  return gatewayError(
    401,
    'subscription_key_missing',
    'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.' +
      keyLocation(headerName, queryName),
  );
}

/** Writes an error as `application/json` with the request id; `extraHeaders` is a flat name/value list. */
export function sendGatewayError(
  res: ServerResponse,
  error: GatewayError,
  requestId: string,
  extraHeaders?: readonly string[],
): void {
  const body = error.bodyPrefix + JSON.stringify(requestId) + '}';
  const headers = [
    'content-type',
    'application/json',
    'content-length',
    String(Buffer.byteLength(body)),
    'x-request-id',
    requestId,
  ];
  if (extraHeaders) headers.push(...extraHeaders);
  res.writeHead(error.status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
