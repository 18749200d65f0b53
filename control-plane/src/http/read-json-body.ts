import type { IncomingMessage } from 'node:http';
import { PorticoError } from '../errors.js';

/**
 * Reads a JSON body up to `limit` bytes. A declared length over the limit is refused before
 * reading; a chunked body is cut off as soon as it passes the limit.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new PorticoError('CP_ERR_UNSUPPORTED_MEDIA_TYPE');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (cause) {
    throw new PorticoError('CP_ERR_BAD_JSON', { cause });
  }
}

function tooLarge(limit: number) {
  return new PorticoError('CP_ERR_PAYLOAD_TOO_LARGE', { message: `The request body is larger than ${limit} bytes` });
}
