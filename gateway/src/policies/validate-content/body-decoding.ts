import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** The body could not be decoded; `tooLarge` when it decodes to more than allowed. */
export class BodyDecodingError extends Error {
  override readonly name = 'BodyDecodingError';
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

/**
 * The body as its Content-Encoding says to read it, at most `limit` bytes: Azure checks max-size
 * and the schema against the decompressed body. Decoding stops past `limit`, so a small
 * compressed body cannot expand into a large allocation.
 */
export function decodeBody(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const name = encoding?.trim().toLowerCase() ?? '';
  if (name === '' || name === 'identity') return body;
  const options = { maxOutputLength: limit + 1 };
  let decoded: Buffer;
  try {
    if (name === 'gzip' || name === 'x-gzip') decoded = gunzipSync(body, options);
    else if (name === 'deflate') decoded = inflateSync(body, options);
    else if (name === 'br') decoded = brotliDecompressSync(body, options);
    else throw new BodyDecodingError(`its Content-Encoding '${name}' is not supported`, false);
  } catch (error) {
    if (error instanceof BodyDecodingError) throw error;
    if (error instanceof RangeError) throw new BodyDecodingError('it decompresses past the size limit', true);
    throw new BodyDecodingError(`it is not valid ${name} data`, false);
  }
  if (decoded.length > limit) throw new BodyDecodingError('it decompresses past the size limit', true);
  return decoded;
}
