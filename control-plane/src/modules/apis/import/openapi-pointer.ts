/** RFC 6901 JSON pointers: how every import issue says where it is. */

export function escapeSegment(segment: string | number): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

export function unescapeSegment(segment: string): string {
  // Order matters (RFC 6901 §4): `~01` is `~1` literally, not `/`.
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

export function appendPointer(pointer: string, ...segments: (string | number)[]): string {
  return segments.reduce<string>((out, segment) => `${out}/${escapeSegment(segment)}`, pointer);
}

/** `''` is the whole document; anything else must start with `/`. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map(unescapeSegment);
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The items of an array; none for anything else (`Array.isArray` alone would type them `any`). */
export function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** The value a pointer designates, or `found: false` (a present `null` is found). */
export function valueAt(root: unknown, pointer: string): { found: boolean; value: unknown } {
  let value = root;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(value) && /^(0|[1-9]\d*)$/.test(segment) && Number(segment) < value.length) {
      value = value[Number(segment)];
    } else if (isJsonObject(value) && Object.hasOwn(value, segment)) {
      value = value[segment];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value };
}
