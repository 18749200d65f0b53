import { JsonNumber, JsonObject, type JsonValue } from './json-tree.js';

export interface JsonToXmlOptions {
  /** Normalise ISO 8601 date-time strings to xs:dateTime, as Azure's parse-date does. */
  readonly parseDate: boolean;
  /** A property of this name holds the attributes of the enclosing element. */
  readonly attributeBlockName: string | undefined;
  /** The character written between a namespace prefix and a local name in property names. */
  readonly namespaceSeparator: string | undefined;
  /** Properties starting with this declare namespaces (`xmlns`, `xmlns_soap` with separator `_`). */
  readonly namespacePrefix: string | undefined;
}

/** The element wrapping the converted document, as in Azure. */
export const ROOT_ELEMENT = 'Document';
/** The element name of the items of a top-level array. */
export const ARRAY_ITEM_ELEMENT = 'item';

export class XmlConversionError extends Error {
  override readonly name = 'XmlConversionError';
}

// XML 1.0 (fifth edition) §2.3 NameStartChar, without ':' (namespaces are written separately).
const START_RANGES = [
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
  [0xc0, 0xd6],
  [0xd8, 0xf6],
  [0xf8, 0x2ff],
  [0x370, 0x37d],
  [0x37f, 0x1fff],
  [0x200c, 0x200d],
  [0x2070, 0x218f],
  [0x2c00, 0x2fef],
  [0x3001, 0xd7ff],
  [0xf900, 0xfdcf],
  [0xfdf0, 0xfffd],
] as const;
// NameChar adds these to NameStartChar.
const MORE_RANGES = [
  [0x2d, 0x2e],
  [0x30, 0x39],
  [0xb7, 0xb7],
  [0x300, 0x36f],
  [0x203f, 0x2040],
] as const;

function inRanges(code: number, ranges: readonly (readonly [number, number])[]): boolean {
  for (const [low, high] of ranges) if (code >= low && code <= high) return true;
  return false;
}

const isNameStart = (code: number) => inRanges(code, START_RANGES);
const isNameChar = (code: number) => isNameStart(code) || inRanges(code, MORE_RANGES);

function isValidName(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (!(i === 0 ? isNameStart : isNameChar)(name.charCodeAt(i))) return false;
  return true;
}

// A name already holding an escape keeps it readable: its `_` is escaped in turn.
const ESCAPE_LIKE = /_x[0-9A-Fa-f]{4}_/;
const ESCAPE_AT = /_x[0-9A-Fa-f]{4}_/y;

function escapeCode(code: number): string {
  return `_x${code
    .toString(16)
    .toUpperCase()
    .padStart(code > 0xffff ? 8 : 4, '0')}_`;
}

/**
 * A property name as an XML name, encoded as .NET's XmlConvert.EncodeName does (what Azure's
 * converter produces): each character not allowed in a name becomes `_xHHHH_`, `order id` →
 * `order_x0020_id`, `1st` → `_x0031_st`.
 */
export function encodeXmlName(name: string): string {
  if (name === '') return '_';
  if (isValidName(name) && !ESCAPE_LIKE.test(name)) return name;
  let out = '';
  let index = 0;
  for (const char of name) {
    ESCAPE_AT.lastIndex = index;
    const allowed = char.length === 1 && (index === 0 ? isNameStart : isNameChar)(char.charCodeAt(0));
    if (char === '_' && ESCAPE_AT.test(name)) out += escapeCode(0x5f);
    else out += allowed ? char : escapeCode(char.codePointAt(0)!);
    index += char.length;
  }
  return out;
}

const TEXT_SPECIAL = /[&<>]/g;
const ATTRIBUTE_SPECIAL = /[&<>"\t\n\r]/g;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};
const entity = (char: string) => ENTITIES[char]!;

// XML 1.0 §2.2: characters a document cannot carry, even escaped.
function checkCharacters(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff) {
      throw new XmlConversionError('a string holds a control character XML cannot carry');
    }
  }
}

function escapeText(text: string): string {
  checkCharacters(text);
  return text.replace(TEXT_SPECIAL, entity);
}

function escapeAttribute(text: string): string {
  checkCharacters(text);
  return text.replace(ATTRIBUTE_SPECIAL, entity);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An ISO 8601 date-time as xs:dateTime with seconds, the fraction without trailing zeros and the
 * zone as written (`2024-05-01T10:00:00.000Z` → `2024-05-01T10:00:00Z`); other strings as they are.
 */
export function xmlDateTime(text: string): string {
  const match = DATE_TIME.exec(text);
  if (match === null) return text;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone = ''] = match;
  const valid =
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= 31 &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59;
  if (!valid) return text;
  const digits = fraction.replace(/0+$/, '');
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${digits === '' ? '' : `.${digits}`}${zone}`;
}

function scalarText(value: JsonValue, options: JsonToXmlOptions): string {
  if (value === null) return '';
  if (typeof value === 'string') return options.parseDate ? xmlDateTime(value) : value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof JsonNumber) return value.raw;
  return '';
}

class XmlWriter {
  out = '';
  constructor(readonly options: JsonToXmlOptions) {}

  name(property: string): string {
    const separator = this.options.namespaceSeparator;
    if (separator === undefined) return encodeXmlName(property);
    const at = property.indexOf(separator);
    if (at <= 0 || at === property.length - 1) return encodeXmlName(property);
    return `${encodeXmlName(property.slice(0, at))}:${encodeXmlName(property.slice(at + 1))}`;
  }

  /** `xmlns` → `xmlns`, `xmlns_soap` → `xmlns:soap`; undefined when not a declaration. */
  namespaceDeclaration(property: string): string | undefined {
    const prefix = this.options.namespacePrefix;
    if (prefix === undefined || !property.startsWith(prefix)) return undefined;
    if (property.length === prefix.length) return 'xmlns';
    const separator = this.options.namespaceSeparator;
    if (separator === undefined || !property.startsWith(separator, prefix.length)) return undefined;
    return `xmlns:${encodeXmlName(property.slice(prefix.length + separator.length))}`;
  }

  attributeValue(value: JsonValue): string {
    if (value instanceof JsonObject || Array.isArray(value)) return escapeAttribute(toJsonText(value));
    return escapeAttribute(scalarText(value, this.options));
  }

  /** The children of an object, after its attributes have been written into the open tag. */
  openWithAttributes(name: string, object: JsonObject): JsonObject['members'] {
    let attributes = '';
    const children: JsonObject['members'] = [];
    for (const member of object.members) {
      const [property, value] = member;
      const declaration = this.namespaceDeclaration(property);
      if (declaration !== undefined) {
        attributes += ` ${declaration}="${this.attributeValue(value)}"`;
      } else if (property === this.options.attributeBlockName && value instanceof JsonObject) {
        for (const [attribute, attributeValue] of value.members) {
          attributes += ` ${this.name(attribute)}="${this.attributeValue(attributeValue)}"`;
        }
      } else children.push(member);
    }
    this.out += `<${name}${attributes}`;
    return children;
  }

  element(name: string, value: JsonValue): void {
    if (Array.isArray(value)) {
      for (const item of value) {
        if (Array.isArray(item)) {
          this.out += `<${name}>`;
          this.element(name, item);
          this.out += `</${name}>`;
        } else this.element(name, item);
      }
      return;
    }
    if (value instanceof JsonObject) {
      const children = this.openWithAttributes(name, value);
      if (children.length === 0) {
        this.out += ' />';
        return;
      }
      this.out += '>';
      for (const [property, child] of children) this.element(this.name(property), child);
      this.out += `</${name}>`;
      return;
    }
    const text = escapeText(scalarText(value, this.options));
    this.out += text === '' ? `<${name} />` : `<${name}>${text}</${name}>`;
  }
}

function toJsonText(value: JsonValue): string {
  if (value instanceof JsonNumber) return value.raw;
  if (value instanceof JsonObject) return `{${value.members.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  return JSON.stringify(value);
}

/**
 * The XML for a JSON document, wrapped in `<Document>` as Azure does: an object's properties
 * become its child elements, an array's items repeated elements of the property's name (`item` at
 * the top), null an empty element.
 */
export function jsonToXml(value: JsonValue, options: JsonToXmlOptions): string {
  const writer = new XmlWriter(options);
  if (Array.isArray(value)) {
    writer.out += `<${ROOT_ELEMENT}>`;
    writer.element(ARRAY_ITEM_ELEMENT, value);
    writer.out += `</${ROOT_ELEMENT}>`;
  } else writer.element(ROOT_ELEMENT, value);
  return writer.out;
}
