import type { OperationParameter, OperationRequest, OperationResponse } from '../../../db/schema/index.js';
import type { ImportContext } from './openapi-context.js';
import type { Located } from './openapi-source.js';

/** What the version-specific readers produce for one operation. */
export interface OperationShape {
  parameters: OperationParameter[];
  request: OperationRequest | null;
  responses: OperationResponse[];
}

export type ResponseBody = Omit<OperationResponse, 'status'>;

function parseStatus(code: string): OperationResponse['status'] | 'range' | undefined {
  if (code === 'default') return 'default';
  if (/^[1-5]\d\d$/.test(code)) return Number(code);
  return /^[1-5]XX$/i.test(code) ? 'range' : undefined;
}

/** A Responses object, member by member; `readBody` handles the version-specific part. */
export function readResponses(
  ctx: ImportContext,
  node: Located,
  readBody: (response: Located) => ResponseBody | undefined,
): OperationResponse[] {
  const out: OperationResponse[] = [];
  for (const [code, responseNode] of ctx.members(node)) {
    if (code.startsWith('x-')) continue;
    const status = parseStatus(code);
    if (status === 'range') {
      ctx.warn(responseNode.loc, `response '${code}' is not imported: status ranges are not supported`);
    } else if (status === undefined) {
      ctx.error(responseNode.loc, `'${code}' is not a response status (100–599 or 'default')`);
    } else {
      const body = readBody(responseNode);
      if (body) out.push({ status, ...body });
    }
  }
  return out;
}

/** Optional members are left out rather than set to `undefined` or empty, so rows and re-imports compare equal. */
export function responseBody(
  description: string,
  headers: OperationParameter[],
  representations: ResponseBody['representations'],
): ResponseBody {
  return {
    ...(description ? { description } : {}),
    ...(headers.length > 0 ? { headers } : {}),
    ...(representations && representations.length > 0 ? { representations } : {}),
  };
}
