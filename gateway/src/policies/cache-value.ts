/**
 * Values cache-store-value keeps: what JSON can carry (strings, finite numbers, booleans, null,
 * lists, maps with string keys), with CEL integers kept as integers (bigint) so an expression
 * reading them back gets the type it stored. Copied when stored, so later changes to the
 * request's objects (a parsed body) never reach the cache, and sized while copied.
 */

export class UncacheableValueError extends Error {
  override readonly name = 'UncacheableValueError';
}

/** The copy is larger than the cache would keep: the caller skips storing. */
export class OversizedValueError extends Error {
  override readonly name = 'OversizedValueError';
}

const MAX_DEPTH = 32;

interface Copy {
  bytes: number;
  readonly limit: number;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function count(copy: Copy, bytes: number): void {
  copy.bytes += bytes;
  if (copy.bytes > copy.limit) throw new OversizedValueError(`over ${copy.limit} bytes`);
}

function copyValue(value: unknown, copy: Copy, depth: number, path: string): unknown {
  switch (typeof value) {
    case 'string':
      count(copy, value.length * 2 + 16);
      return value;
    case 'boolean':
      count(copy, 8);
      return value;
    case 'bigint':
      count(copy, 16);
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new UncacheableValueError(`${path} is ${value}, which JSON cannot hold`);
      count(copy, 8);
      return value;
    case 'object':
      break;
    default:
      throw new UncacheableValueError(`${path} is a ${typeof value}`);
  }
  if (value === null) {
    count(copy, 8);
    return null;
  }
  if (depth >= MAX_DEPTH) throw new UncacheableValueError(`${path} is nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    count(copy, 32);
    return value.map((item, index) => copyValue(item, copy, depth + 1, `${path}[${index}]`));
  }
  if (value instanceof Map) {
    count(copy, 64);
    const out = new Map<string, unknown>();
    for (const [key, item] of value as Map<unknown, unknown>) {
      if (typeof key !== 'string') throw new UncacheableValueError(`${path} has a ${typeof key} key; JSON keys are strings`);
      count(copy, key.length * 2 + 16);
      out.set(key, copyValue(item, copy, depth + 1, `${path}.${key}`));
    }
    return out;
  }
  if (isPlainObject(value)) {
    count(copy, 64);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      count(copy, key.length * 2 + 16);
      out[key] = copyValue(item, copy, depth + 1, `${path}.${key}`);
    }
    return out;
  }
  throw new UncacheableValueError(`${path} is a ${value.constructor?.name ?? 'object'}, which JSON cannot hold`);
}

/**
 * A detached copy of `value` and its approximate size in bytes. Throws UncacheableValueError
 * for what JSON cannot hold (bytes, timestamps, NaN) and OversizedValueError past `limit`,
 * stopping as soon as it is passed.
 *
 * @example copyCacheValue(new Map([['EUR', 1n]]), 1024) // { value: Map { 'EUR' => 1n }, bytes: 104 }
 */
export function copyCacheValue(value: unknown, limit: number): { value: unknown; bytes: number } {
  const copy: Copy = { bytes: 0, limit };
  const copied = copyValue(value, copy, 0, 'value');
  return { value: copied, bytes: copy.bytes };
}
