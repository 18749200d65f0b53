import { posix } from 'node:path';
import { ImportError, type ImportSource } from './imported-api.js';
import { childrenOf, clark, issueAt, parseXml, type XmlElement } from './wsdl-xml.js';

export const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const WSDL20_NS = 'http://www.w3.org/ns/wsdl';
/** The 2001 Recommendation plus the drafts older toolkits still emit (node-soap's stockquote uses 2000/10). */
export const XSD_NS = [
  'http://www.w3.org/2001/XMLSchema',
  'http://www.w3.org/2000/10/XMLSchema',
  'http://www.w3.org/1999/XMLSchema',
];

/** An `<xsd:schema>` with the target namespace it defines (a chameleon include takes its includer's). */
export interface SchemaDocument {
  element: XmlElement;
  targetNamespace: string;
}

/** Every definition reachable from the main WSDL through `wsdl:import`, `xsd:import` and `xsd:include`. */
export interface WsdlDocuments {
  main: XmlElement;
  /** By Clark name (`{targetNamespace}name`). */
  messages: Map<string, XmlElement>;
  portTypes: Map<string, XmlElement>;
  bindings: Map<string, XmlElement>;
  /** In document order, the main document's first. */
  services: XmlElement[];
  schemas: SchemaDocument[];
}

/**
 * Loads the main WSDL and everything it imports from `source.files` (never from the network:
 * an import must be uploaded with the document). Keys of `files` are paths relative to the
 * main document, or the exact absolute URL an import names.
 */
export function loadWsdlDocuments(source: ImportSource): WsdlDocuments {
  const loader = new WsdlLoader(source);
  const main = parseXml(source.text, source.fileName);
  loader.addDefinitions(main, mainKey(source.fileName));
  return { main, ...loader.collected };
}

function mainKey(fileName: string): string {
  return posix.basename(fileName.replaceAll('\\', '/'));
}

class WsdlLoader {
  readonly collected = {
    messages: new Map<string, XmlElement>(),
    portTypes: new Map<string, XmlElement>(),
    bindings: new Map<string, XmlElement>(),
    services: [] as XmlElement[],
    schemas: [] as SchemaDocument[],
  };
  /** Files already read, so diamond and circular imports load each file once. */
  private readonly loaded = new Set<string>();

  constructor(private readonly source: ImportSource) {}

  addDefinitions(definitions: XmlElement, key: string): void {
    this.loaded.add(key);
    assertWsdl11(definitions);
    const targetNamespace = definitions.attrs.targetNamespace ?? '';
    for (const child of childrenOf(definitions, [WSDL_NS])) {
      const name = child.attrs.name ?? '';
      if (child.local === 'import') this.importDocument(child, key);
      else if (child.local === 'types') this.addTypes(child, key);
      else if (child.local === 'message') this.collected.messages.set(clark(targetNamespace, name), child);
      else if (child.local === 'portType') this.collected.portTypes.set(clark(targetNamespace, name), child);
      else if (child.local === 'binding') this.collected.bindings.set(clark(targetNamespace, name), child);
      else if (child.local === 'service') this.collected.services.push(child);
    }
  }

  private addTypes(types: XmlElement, key: string): void {
    for (const schema of childrenOf(types, XSD_NS, 'schema')) this.addSchema(schema, key, undefined);
  }

  private addSchema(schema: XmlElement, key: string, includerNamespace: string | undefined): void {
    const targetNamespace = schema.attrs.targetNamespace ?? includerNamespace ?? '';
    this.collected.schemas.push({ element: schema, targetNamespace });
    for (const reference of childrenOf(schema, XSD_NS)) {
      const location = reference.attrs.schemaLocation;
      // An import without schemaLocation names a namespace defined inline or built in (SOAP encoding).
      if (location === undefined) continue;
      if (reference.local === 'include' || reference.local === 'redefine') {
        this.readReferenced(reference, key, location, (root, file) => this.addSchema(root, file, targetNamespace));
      } else if (reference.local === 'import') {
        this.readReferenced(reference, key, location, (root, file) => this.addSchema(root, file, undefined));
      }
    }
  }

  /** `wsdl:import` may name another WSDL or, against WS-I advice but commonly, a bare XSD. */
  private importDocument(reference: XmlElement, key: string): void {
    const location = reference.attrs.location;
    if (location === undefined) throw new ImportError([issueAt(reference, 'wsdl:import has no location attribute')]);
    this.readReferenced(reference, key, location, (root, file) => {
      if (XSD_NS.includes(root.ns) && root.local === 'schema') this.addSchema(root, file, undefined);
      else this.addDefinitions(root, file);
    });
  }

  private readReferenced(
    reference: XmlElement,
    fromKey: string,
    location: string,
    add: (root: XmlElement, key: string) => void,
  ): void {
    const key = resolveLocation(fromKey, location);
    if (this.loaded.has(key)) return;
    const text = this.source.files?.[key];
    if (text === undefined) {
      const named = key === location ? `'${location}'` : `'${key}' (imported as "${location}")`;
      throw new ImportError([issueAt(reference, `file ${named} is not among the uploaded files; imports are never fetched`)]);
    }
    this.loaded.add(key);
    const root = parseXml(text, key);
    if (!XSD_NS.includes(root.ns) && root.ns !== WSDL_NS) {
      throw new ImportError([issueAt(root, `expected a WSDL or XML Schema document, found <${root.local}>`)]);
    }
    if (XSD_NS.includes(root.ns) && root.local !== 'schema') {
      throw new ImportError([issueAt(root, `expected <schema>, found <${root.local}>`)]);
    }
    add(root, key);
  }
}

/** Relative locations resolve against the importing file; absolute URLs are looked up verbatim. */
function resolveLocation(fromKey: string, location: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return location;
  const joined = posix.normalize(posix.join(posix.dirname(fromKey), location.replaceAll('\\', '/')));
  return joined.startsWith('./') ? joined.slice(2) : joined;
}

function assertWsdl11(definitions: XmlElement): void {
  if (definitions.ns === WSDL20_NS) {
    throw new ImportError([issueAt(definitions, 'WSDL 2.0 is not supported; import a WSDL 1.1 document')]);
  }
  if (definitions.ns !== WSDL_NS || definitions.local !== 'definitions') {
    throw new ImportError([issueAt(definitions, `expected a WSDL 1.1 <definitions> element, found <${definitions.local}>`)]);
  }
}
