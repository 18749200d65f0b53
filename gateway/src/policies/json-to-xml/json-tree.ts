/**
 * A JSON reader for conversions: members keep their order and duplicates, numbers keep the text
 * they were written with (JSON.parse would round 12345678901234567890), and nesting is bounded
 * so that a hostile body cannot exhaust the stack of whatever walks the tree.
 */

export class JsonNumber {
  constructor(readonly raw: string) {}
}

export class JsonObject {
  constructor(readonly members: [string, JsonValue][]) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonObject | JsonValue[];

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

/** Deepest nesting of objects and arrays accepted. */
export const MAX_JSON_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Reader {
  at = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`${what} at position ${this.at}`);
  }

  skipSpace(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at++;
    }
    this.at = at;
  }

  unexpected(): never {
    if (this.at >= this.text.length) this.fail('unexpected end of the JSON');
    this.fail(`unexpected character ${JSON.stringify(this.text[this.at])}`);
  }

  value(depth: number): JsonValue {
    this.skipSpace();
    const c = this.text[this.at];
    switch (c) {
      case '{':
        return this.object(depth + 1);
      case '[':
        return this.array(depth + 1);
      case '"':
        return this.string();
      case 't':
        return this.word('true', true);
      case 'f':
        return this.word('false', false);
      case 'n':
        return this.word('null', null);
      default:
        return this.number();
    }
  }

  word<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) this.unexpected();
    this.at += word.length;
    return value;
  }

  number(): JsonNumber {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) this.unexpected();
    this.at += match[0].length;
    return new JsonNumber(match[0]);
  }

  string(): string {
    const text = this.text;
    const start = this.at;
    let at = start + 1;
    // Escapes and raw control characters (invalid JSON) go through JSON.parse, which decodes or refuses them.
    let special = false;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c)) {
        this.at = at;
        this.fail('unterminated string');
      }
      if (c === 0x22) break;
      if (c === 0x5c) {
        special = true;
        at += 2;
      } else {
        if (c < 0x20) special = true;
        at++;
      }
    }
    this.at = at + 1;
    const raw = text.slice(start + 1, at);
    if (!special) return raw;
    try {
      return JSON.parse(text.slice(start, at + 1)) as string;
    } catch {
      this.at = start;
      return this.fail('invalid string');
    }
  }

  object(depth: number): JsonObject {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    this.at++;
    const members: [string, JsonValue][] = [];
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at++;
      return new JsonObject(members);
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] !== '"') this.unexpected();
      const name = this.string();
      this.skipSpace();
      if (this.text[this.at] !== ':') this.unexpected();
      this.at++;
      members.push([name, this.value(depth)]);
      this.skipSpace();
      const c = this.text[this.at];
      this.at++;
      if (c === '}') return new JsonObject(members);
      if (c !== ',') {
        this.at--;
        this.unexpected();
      }
    }
  }

  array(depth: number): JsonValue[] {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    this.at++;
    const items: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at++;
      return items;
    }
    for (;;) {
      items.push(this.value(depth));
      this.skipSpace();
      const c = this.text[this.at];
      this.at++;
      if (c === ']') return items;
      if (c !== ',') {
        this.at--;
        this.unexpected();
      }
    }
  }
}

/** Parses JSON text; throws JsonSyntaxError naming the position of the first problem. */
export function readJson(text: string): JsonValue {
  const reader = new Reader(text);
  const value = reader.value(0);
  reader.skipSpace();
  if (reader.at < text.length) reader.unexpected();
  return value;
}
