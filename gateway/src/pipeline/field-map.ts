/**
 * Header or query fields of one message: name → values, in arrival order. Header maps are
 * created with `lowerCase` and keep the first spelling of each name for sending it on.
 * Expressions read a joined view (`values.join(', ')`), rebuilt only after a change.
 */
export class FieldMap {
  readonly #values = new Map<string, string[]>();
  /** Spellings that differ from the key; created on the first such name. */
  #spelling: Map<string, string> | undefined = undefined;
  readonly #lowerCase: boolean;
  #joined: Map<string, string> | undefined = undefined;
  #changes = 0;

  constructor(lowerCase: boolean) {
    this.#lowerCase = lowerCase;
  }

  /** From a flat `[name, value, name, value…]` list, such as node's `rawHeaders`, up to `end`. */
  static fromFlat(flat: readonly string[], lowerCase: boolean, end = flat.length): FieldMap {
    const fields = new FieldMap(lowerCase);
    const values = fields.#values;
    const stop = Math.min(end, flat.length);
    // On every request with policies: straight into the maps, no change bookkeeping.
    for (let i = 0; i + 1 < stop; i += 2) {
      const name = flat[i]!;
      const key = lowerCase ? name.toLowerCase() : name;
      const existing = values.get(key);
      if (existing !== undefined) existing.push(flat[i + 1]!);
      else {
        values.set(key, [flat[i + 1]!]);
        if (key !== name) (fields.#spelling ??= new Map()).set(key, name);
      }
    }
    return fields;
  }

  /** Ends building: what was added so far counts as what arrived (`changes` is 0). */
  markBuilt(): void {
    this.#changes = 0;
  }

  #key(name: string): string {
    return this.#lowerCase ? name.toLowerCase() : name;
  }

  /** How many times it was changed since it was built: 0 means it still holds what arrived. */
  get changes(): number {
    return this.#changes;
  }

  get size(): number {
    return this.#values.size;
  }

  has(name: string): boolean {
    return this.#values.has(this.#key(name));
  }

  get(name: string): readonly string[] | undefined {
    return this.#values.get(this.#key(name));
  }

  first(name: string): string | undefined {
    return this.#values.get(this.#key(name))?.[0];
  }

  set(name: string, values: readonly string[]): void {
    const key = this.#key(name);
    if (key !== name && !this.#values.has(key)) (this.#spelling ??= new Map()).set(key, name);
    this.#values.set(key, values.slice());
    this.#joined = undefined;
    this.#changes++;
  }

  append(name: string, value: string): void {
    const key = this.#key(name);
    const values = this.#values.get(key);
    if (values) values.push(value);
    else {
      this.#values.set(key, [value]);
      if (key !== name) (this.#spelling ??= new Map()).set(key, name);
    }
    this.#joined = undefined;
    this.#changes++;
  }

  delete(name: string): boolean {
    const key = this.#key(name);
    this.#spelling?.delete(key);
    this.#joined = undefined;
    this.#changes++;
    return this.#values.delete(key);
  }

  /** Names (lower-cased for headers) with their values, in order. */
  entries(): IterableIterator<[string, string[]]> {
    return this.#values.entries();
  }

  /** The name as first sent or set (headers); the key itself for query fields. */
  spelling(key: string): string {
    return this.#spelling?.get(key) ?? key;
  }

  /** `[name, value, …]` with each value on its own line, original spellings. */
  toFlat(): string[] {
    const flat: string[] = [];
    for (const [key, values] of this.#values) {
      const name = this.spelling(key);
      for (const value of values) flat.push(name, value);
    }
    return flat;
  }

  /** Query string without `?`, each name and value percent-encoded. */
  toQueryString(): string {
    let out = '';
    for (const [name, values] of this.#values) {
      for (const value of values) {
        out += `${out === '' ? '' : '&'}${encodeURIComponent(name)}${value === '' ? '' : `=${encodeURIComponent(value)}`}`;
      }
    }
    return out;
  }

  /**
   * The values under `key` exactly as stored (no lower-casing) joined with ", ": one entry of
   * `joined()`, without building the whole map.
   */
  joinedValue(key: string): string | undefined {
    const values = this.#values.get(key);
    if (values === undefined) return undefined;
    return values.length === 1 ? values[0]! : values.join(', ');
  }

  /** Removes every field. */
  clear(): void {
    if (this.#values.size === 0) return;
    this.#values.clear();
    this.#spelling?.clear();
    this.#joined = undefined;
    this.#changes++;
  }

  /** name → values joined with ", ", as expressions see them; shared until the next change. */
  joined(): ReadonlyMap<string, string> {
    if (this.#joined) return this.#joined;
    const joined = new Map<string, string>();
    for (const [key, values] of this.#values) joined.set(key, values.length === 1 ? values[0]! : values.join(', '));
    this.#joined = joined;
    return joined;
  }
}

/** Parses a query string (without `?`); undecodable parts are kept as sent. */
export function parseQueryString(query: string): FieldMap {
  const fields = new FieldMap(false);
  if (query === '') return fields;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals === -1 ? part : part.slice(0, equals);
    const value = equals === -1 ? '' : part.slice(equals + 1);
    fields.append(decodeComponent(name), decodeComponent(value));
  }
  fields.markBuilt();
  return fields;
}

function decodeComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
