import { XMLParser, type X2jOptions } from 'fast-xml-parser';
import type { XmlToJsonConfig } from './schema.js';

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

/** Deepest element nesting accepted: the parser recurses on it. */
export const MAX_XML_DEPTH = 100;

const DOCTYPE = '<!D';

/**
 * Options for fast-xml-parser per kind. `direct` keeps the document as written: the declaration,
 * namespace prefixes and declarations, attributes as `@name`, every value a string.
 * `javascript-friendly` keeps the data: no declaration or namespace prefixes, attributes as plain
 * properties, numbers and booleans as such (a leading zero, hex or exponent stays a string, and so
 * does a number JavaScript cannot hold exactly). Text beside attributes or children is `#text`.
 */
function parserOptions(kind: XmlToJsonConfig['kind'], alwaysArray: boolean): X2jOptions {
  const direct = kind === 'direct';
  const options: X2jOptions = {
    ignoreAttributes: false,
    attributeNamePrefix: direct ? '@' : '',
    textNodeName: '#text',
    removeNSPrefix: !direct,
    ignoreDeclaration: !direct,
    ignorePiTags: !direct,
    parseTagValue: !direct,
    parseAttributeValue: false,
    numberParseOptions: { hex: false, leadingZeros: false, eNotation: false },
    trimValues: true,
    // Numeric character references (&#65;) are decoded only with this on.
    htmlEntities: true,
    maxNestedTags: MAX_XML_DEPTH,
  };
  // Below the root element: its jPath has no dot.
  if (alwaysArray) options.isArray = (_name, jPath, _leaf, isAttribute) => !isAttribute && String(jPath).includes('.');
  return options;
}

export interface XmlReader {
  /** The JSON text for an XML document; throws XmlSyntaxError. */
  toJson(xml: string): string;
}

/** A reader for one statement's kind and always-array-child-elements, built at compile time. */
export function createXmlReader(kind: XmlToJsonConfig['kind'], alwaysArray: boolean): XmlReader {
  const parser = new XMLParser(parserOptions(kind, alwaysArray));
  return {
    toJson(xml) {
      // No DTDs: their entities are how XML bombs and external entity reads are built, and API
      // payloads do not need them.
      if (xml.includes(DOCTYPE)) throw new XmlSyntaxError('document type declarations (DOCTYPE) are not accepted');
      let value: unknown;
      try {
        value = parser.parse(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml, true);
      } catch (error) {
        throw new XmlSyntaxError(describeParseError(error));
      }
      return JSON.stringify(value);
    },
  };
}

// fast-xml-parser's messages end with ":line:column"; they name tags, never whole text.
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^(.*?):(\d+):(\d+|undefined)$/s.exec(message);
  const text = (match ? match[1]! : message).replace(/^\[SECURITY\] /, '').slice(0, 200);
  if (match === null) return text;
  return match[3] === 'undefined' ? `${text} (line ${match[2]})` : `${text} (line ${match[2]}, column ${match[3]})`;
}
