import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ImportError, type ImportIssue } from './imported-api.js';

/**
 * A namespace-resolved XML element with its source line. fast-xml-parser neither resolves
 * namespaces nor reports positions by default, and both WSDL and OData CSDL are namespace
 * documents whose errors must say where they are; this is the small DOM both importers share.
 */
export interface XmlElement {
  /** Local name (no prefix). */
  readonly local: string;
  /** Namespace URI; '' for no namespace. */
  readonly ns: string;
  /** Attributes by their name as written (`name`, `wsdl:arrayType`), values entity-decoded. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside the element, trimmed. */
  readonly text: string;
  /** 1-based line of the start tag. */
  readonly line: number;
  /** The file (as keyed in `ImportSource`) the element comes from. */
  readonly file: string;
  readonly parent: XmlElement | undefined;
  /** In-scope prefix bindings ('' is the default namespace), for QName-valued attributes. */
  readonly scope: ReadonlyMap<string, string>;
}

/** A qualified name; `key` is Clark notation (`{ns}local`), unique across namespaces. */
export interface QName {
  ns: string;
  local: string;
  key: string;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const METADATA = XMLParser.getMetaDataSymbol();

// preserveOrder keeps sibling order (WSDL parts and XSD sequences are ordered); captureMetaData
// gives each element its start offset, from which lines are computed.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  captureMetaData: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function clark(ns: string, local: string): string {
  return ns ? `{${ns}}${local}` : local;
}

/**
 * Parses `text` into an element tree. Refuses malformed XML with the validator's line, and
 * unbound namespace prefixes (XML Namespaces §5) with the element's line.
 */
export function parseXml(text: string, file: string): XmlElement {
  const source = text.replace(/^\uFEFF/, '');
  const validation = XMLValidator.validate(source);
  if (validation !== true) {
    const { line, msg } = validation.err;
    throw new ImportError([{ pointer: '', line, file, message: `malformed XML: ${msg}` }]);
  }
  const nodes = parser.parse(source) as OrderedNode[];
  const lines = lineStarts(source);
  const rootNode = nodes.find((node) => tagOf(node) !== undefined);
  if (!rootNode) throw new ImportError([{ pointer: '', line: 1, file, message: 'the document has no root element' }]);
  const initialScope = new Map([
    ['xml', XML_NS],
    ['', ''],
  ]);
  return buildElement(rootNode, undefined, initialScope, { file, lines });
}

interface BuildContext {
  file: string;
  lines: number[];
}

function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text');
}

function buildElement(
  node: OrderedNode,
  parent: XmlElement | undefined,
  parentScope: ReadonlyMap<string, string>,
  context: BuildContext,
): XmlElement {
  const tag = tagOf(node) as string;
  const attrs = node[':@'] ?? {};
  const meta = node[METADATA as unknown as string] as { startIndex?: number } | undefined;
  const line = lineAt(context.lines, meta?.startIndex ?? 0);
  const scope = declareNamespaces(parentScope, attrs);
  const { prefix, local } = splitName(tag);
  const issue = (message: string): never => {
    throw new ImportError([
      { pointer: parent ? `${pointerOf(parent)}/${local}` : `/${local}`, line, file: context.file, message },
    ]);
  };
  const ns = scope.get(prefix);
  if (ns === undefined) issue(`namespace prefix '${prefix}' of <${tag}> is not declared`);
  for (const name of Object.keys(attrs)) {
    const attrPrefix = splitName(name).prefix;
    if (attrPrefix && attrPrefix !== 'xmlns' && !scope.has(attrPrefix)) {
      issue(`namespace prefix '${attrPrefix}' of attribute ${name} on <${tag}> is not declared`);
    }
  }
  const children: XmlElement[] = [];
  const texts: string[] = [];
  const element: Mutable<XmlElement> = {
    local,
    ns: ns ?? '',
    attrs,
    children,
    text: '',
    line,
    file: context.file,
    parent,
    scope,
  };
  for (const child of (node[tag] as OrderedNode[] | undefined) ?? []) {
    // parseTagValue is off, so character data always arrives as a string.
    const text = child['#text'];
    if (tagOf(child) === undefined) texts.push(typeof text === 'string' ? text : '');
    else children.push(buildElement(child, element, scope, context));
  }
  element.text = texts.join('').trim();
  return element;
}

function declareNamespaces(parentScope: ReadonlyMap<string, string>, attrs: Record<string, string>): ReadonlyMap<string, string> {
  let scope: Map<string, string> | undefined;
  for (const [name, value] of Object.entries(attrs)) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
    // Copy on write: most elements declare nothing and share their parent's scope.
    scope ??= new Map(parentScope);
    scope.set(name === 'xmlns' ? '' : name.slice('xmlns:'.length), value);
  }
  return scope ?? parentScope;
}

function splitName(name: string): { prefix: string; local: string } {
  const colon = name.indexOf(':');
  return colon < 0 ? { prefix: '', local: name } : { prefix: name.slice(0, colon), local: name.slice(colon + 1) };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] as number) <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/** Children in namespace `ns` (any namespace in `nsList`) with local name `local`. */
export function childrenOf(element: XmlElement, nsList: readonly string[], local?: string): XmlElement[] {
  return element.children.filter((child) => nsList.includes(child.ns) && (local === undefined || child.local === local));
}

export function childOf(element: XmlElement, nsList: readonly string[], local: string): XmlElement | undefined {
  return element.children.find((child) => nsList.includes(child.ns) && child.local === local);
}

/** The element's `documentation` child text (WSDL and XSD both use that name), '' when none. */
export function documentationOf(element: XmlElement): string {
  const docs = element.children.filter((child) => child.local === 'documentation');
  return docs
    .map((doc) => doc.text.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * Resolves a QName-valued attribute (`type="tns:Foo"`) against the element's in-scope
 * prefixes. An unprefixed value takes the default namespace, as XSD and WSDL specify.
 */
export function resolveQName(element: XmlElement, value: string): QName {
  const { prefix, local } = splitName(value.trim());
  const ns = element.scope.get(prefix);
  if (ns === undefined) {
    throw new ImportError([issueAt(element, `namespace prefix '${prefix}' in "${value}" is not declared`)]);
  }
  return { ns, local, key: clark(ns, local) };
}

/** A readable XPath-like pointer: `/definitions/portType[@name='X']/operation[@name='op']`. */
export function pointerOf(element: XmlElement): string {
  const segments: string[] = [];
  for (let node: XmlElement | undefined = element; node; node = node.parent) {
    segments.unshift(node.local + selectorOf(node));
  }
  return `/${segments.join('/')}`;
}

function selectorOf(element: XmlElement): string {
  const named = element.attrs.name ?? element.attrs.Name ?? element.attrs.Namespace;
  if (named !== undefined) {
    const attribute = element.attrs.name !== undefined ? 'name' : element.attrs.Name !== undefined ? 'Name' : 'Namespace';
    return `[@${attribute}='${named}']`;
  }
  const siblings = element.parent?.children.filter((child) => child.local === element.local) ?? [];
  return siblings.length > 1 ? `[${siblings.indexOf(element) + 1}]` : '';
}

export function issueAt(element: XmlElement, message: string): ImportIssue {
  return { pointer: pointerOf(element), line: element.line, file: element.file, message };
}
