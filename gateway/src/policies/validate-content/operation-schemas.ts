import type { Operation } from '@portico/proto';

/** A body the API definition declares: its content type (lower-cased) and JSON schema, if any. */
export interface Representation {
  readonly contentType: string;
  readonly schema: unknown;
}

/** Content type → representation, for the request or for one response status. */
export type Representations = ReadonlyMap<string, Representation>;

export interface OperationBodies {
  readonly request: Representations;
  /** By status; `default` answers for any other status, as in OpenAPI. */
  readonly responses: ReadonlyMap<number, Representations>;
  readonly defaultResponse: Representations;
}

const NONE: Representations = new Map();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function representations(value: unknown): Representations {
  if (!isObject(value) || !Array.isArray(value.representations)) return NONE;
  const out = new Map<string, Representation>();
  for (const item of value.representations) {
    if (!isObject(item) || typeof item.contentType !== 'string') continue;
    const contentType = item.contentType.toLowerCase();
    if (!out.has(contentType)) out.set(contentType, { contentType, schema: item.schema });
  }
  return out;
}

/**
 * The bodies an operation declares, from the view's `request_json` (`{ representations: [{
 * contentType, schema }] }`, "" for none) and `responses_json` (`[{ status, representations }]`,
 * status a number or "default"), as control-plane/src/compiler/to-api.ts writes them.
 */
export function operationBodies(operation: Operation | undefined): OperationBodies {
  const responses = new Map<number, Representations>();
  let defaultResponse = NONE;
  const list = parseJson(operation?.responsesJson ?? '');
  if (Array.isArray(list)) {
    for (const response of list) {
      if (!isObject(response)) continue;
      if (response.status === 'default') defaultResponse = representations(response);
      else if (typeof response.status === 'number' && !responses.has(response.status)) {
        responses.set(response.status, representations(response));
      }
    }
  }
  return { request: representations(parseJson(operation?.requestJson ?? '')), responses, defaultResponse };
}

/** The media type of a Content-Type value, lower-cased and without parameters. */
export function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
