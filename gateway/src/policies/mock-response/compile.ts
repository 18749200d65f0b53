import type { Operation } from '@portico/proto';
import { FieldMap } from '../../pipeline/field-map.js';
import { PolicyResponse } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { sampleFromSchema } from './schema-sample.js';
import type { MockResponseConfig } from './schema.js';

/** What mock-response answers, computed when the pipeline compiles. */
export interface MockedResponse {
  readonly status: number;
  /** Content-Type to send; '' for none. */
  readonly contentType: string;
  readonly body: Buffer | undefined;
}

interface Representation {
  readonly contentType: string;
  readonly schema: unknown;
  readonly examples: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** The representations declared for `status` (else for `default`), as to-api.ts writes responses_json. */
function representationsFor(operation: Operation | undefined, status: number): Representation[] {
  let list: unknown;
  try {
    list = JSON.parse(operation?.responsesJson || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const responses = list.filter(isObject);
  const response = responses.find((item) => item.status === status) ?? responses.find((item) => item.status === 'default');
  if (response === undefined || !Array.isArray(response.representations)) return [];
  return response.representations
    .filter(isObject)
    .filter((item) => typeof item.contentType === 'string')
    .map((item) => ({ contentType: item.contentType as string, schema: item.schema, examples: item.examples }));
}

function serialize(value: unknown): Buffer {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * The answer of mock-response for an operation, as Azure picks it: the representation of the
 * status (or `default`) with the configured content type, or the first declared one when none is
 * configured; its first example, else a sample generated from its schema (JSON only), else an
 * empty body.
 */
export function mockedResponse(config: MockResponseConfig, operation: Operation | undefined): MockedResponse {
  const status = config['status-code'];
  const wanted = config['content-type'];
  const representations = representationsFor(operation, status);
  const chosen =
    wanted === undefined ? representations[0] : representations.find((item) => mediaType(item.contentType) === mediaType(wanted));
  const contentType = wanted ?? chosen?.contentType ?? '';
  if (chosen === undefined) return { status, contentType, body: undefined };
  if (isObject(chosen.examples)) {
    const [first] = Object.values(chosen.examples);
    if (first !== undefined) return { status, contentType, body: serialize(first) };
  }
  if (chosen.schema !== undefined && mediaType(chosen.contentType).includes('json')) {
    return { status, contentType, body: serialize(sampleFromSchema(chosen.schema)) };
  }
  return { status, contentType, body: undefined };
}

/**
 * mock-response: answers without calling the backend, with the operation's declared example for
 * `status-code` and `content-type` (see mockedResponse), computed once per config revision.
 *
 * @example createMockResponse({ 'status-code': 200, 'content-type': 'application/json' }, deps)
 */
export function createMockResponse(config: MockResponseConfig, deps: StatementDeps): StatementHandler {
  const mocked = mockedResponse(config, deps.operation);
  const headers = mocked.contentType === '' ? [] : ['content-type', mocked.contentType];
  return function mockResponse(ctx) {
    ctx.response = new PolicyResponse(mocked.status, '', FieldMap.fromFlat(headers, true), mocked.body);
    return Outcome.respond;
  };
}
