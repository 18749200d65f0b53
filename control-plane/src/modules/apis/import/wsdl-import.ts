import type { OperationRepresentation, OperationResponse } from '../../../db/schema/index.js';
import { ImportError, type ImportedApi, type ImportedOperation, type ImportIssue, type ImportSource } from './imported-api.js';
import { loadWsdlDocuments, WSDL_NS, type WsdlDocuments } from './wsdl-documents.js';
import { XsdConverter, XsdIndex, type JsonSchema } from './wsdl-xsd-schema.js';
import { childOf, childrenOf, documentationOf, issueAt, resolveQName, type XmlElement } from './wsdl-xml.js';

const SOAP11_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
const SOAP12_NS = 'http://schemas.xmlsoap.org/wsdl/soap12/';
type SoapVersion = '1.1' | '1.2';

const SOAP_VERSION_BY_NS: Record<string, SoapVersion> = { [SOAP11_NS]: '1.1', [SOAP12_NS]: '1.2' };
/** SOAP 1.1 travels as text/xml with a SOAPAction header; SOAP 1.2 as application/soap+xml with an action parameter. */
const CONTENT_TYPE: Record<SoapVersion, string> = { '1.1': 'text/xml', '1.2': 'application/soap+xml' };

/**
 * Imports a WSDL 1.1 document as a SOAP pass-through API: one operation per operation of each
 * SOAP 1.1 / 1.2 binding a service exposes (a service offering both versions of a port type
 * gets both, since clients of either must be routed and may be governed differently).
 *
 * Every operation is `POST`, like every SOAP request, and its URL template is a path under the
 * API named after the operation: `/GetQuote`. Where a second binding repeats an operation
 * name (the SOAP 1.2 twin of a SOAP 1.1 port), that one is qualified by its binding:
 * `/QuoteServiceSoap12/GetQuote`, named `QuoteServiceSoap12.GetQuote`. The first binding in
 * document order keeps the plain names, so adding a SOAP 1.2 port later does not rename (and
 * so detach policies from) the SOAP 1.1 operations on re-import. Templates are paths only,
 * as operation templates must be; a SOAP client posts to the API root, and the gateway picks
 * the operation from the binding — SOAP version (content type), action (SOAPAction header or
 * the `action` media-type parameter), else the body's first element. Keying on names rather
 * than actions (Azure's `/?soapAction=…`) also keeps templates unique where actions are empty
 * or shared, which is common (eu-vies and Axis services declare `soapAction=""` throughout).
 *
 * @example
 *   const api = await importWsdl({ fileName: 'checkVatService.wsdl', text });
 *   api.operations.map((o) => o.name); // ['checkVat', 'checkVatApprox']
 */
export function importWsdl(source: ImportSource): Promise<ImportedApi> {
  return new Promise((resolve) => resolve(readWsdl(source)));
}

interface SoapEndpoint {
  binding: XmlElement;
  /** The `soap:binding` / `soap12:binding` extension element. */
  soapBinding: XmlElement;
  version: SoapVersion;
  address: string | undefined;
}

/** An operation before its name and URL template are made unique across bindings. */
interface OperationDraft {
  operationName: string;
  bindingName: string;
  element: XmlElement;
  operation: Omit<ImportedOperation, 'name' | 'urlTemplate'>;
}

interface ImportContext {
  documents: WsdlDocuments;
  index: XsdIndex;
  warnings: ImportIssue[];
  /** Adds a warning once: a type shared by several messages is converted, and found wanting, once per message. */
  warn: (issue: ImportIssue) => void;
}

function readWsdl(source: ImportSource): ImportedApi {
  const documents = loadWsdlDocuments(source);
  const context: ImportContext = { documents, index: new XsdIndex(documents.schemas), ...warningCollector() };
  const endpoints = soapEndpoints(context);
  if (endpoints.length === 0) {
    throw new ImportError([issueAt(documents.main, 'the document has no SOAP 1.1 or SOAP 1.2 binding to import')]);
  }
  const drafts = endpoints.flatMap((endpoint) => bindingOperations(endpoint, context));
  const serviceUrl = endpoints.find((endpoint) => endpoint.address)?.address;
  warnOnSeveralAddresses(endpoints, serviceUrl, context);
  return {
    type: 'soap',
    name: apiName(documents, source.fileName),
    description: documentationOf(documents.services[0] ?? documents.main) || documentationOf(documents.main),
    declaredVersion: '',
    serviceUrl,
    suggestedPath: pathOf(serviceUrl),
    sourceFormat: 'wsdl',
    operations: assignRoutes(drafts),
    warnings: context.warnings,
  };
}

/** The SOAP bindings the services expose, once each; every SOAP binding when there is no service. */
function soapEndpoints({ documents, warn }: ImportContext): SoapEndpoint[] {
  const endpoints = new Map<string, SoapEndpoint>();
  for (const service of documents.services) {
    for (const port of childrenOf(service, [WSDL_NS], 'port')) {
      const key = resolveQName(port, port.attrs.binding ?? '').key;
      const binding = documents.bindings.get(key);
      if (!binding) throw new ImportError([issueAt(port, `binding ${key} is not defined`)]);
      const soapBinding = childrenOf(binding, [SOAP11_NS, SOAP12_NS], 'binding')[0];
      if (!soapBinding) {
        warn(issueAt(port, `port ${port.attrs.name ?? ''} has no SOAP binding (HTTP or MIME bindings are not imported)`));
        continue;
      }
      const address = childrenOf(port, [SOAP11_NS, SOAP12_NS], 'address')[0]?.attrs.location;
      if (!endpoints.has(key)) endpoints.set(key, { binding, soapBinding, version: versionOf(soapBinding), address });
    }
  }
  if (documents.services.length > 0) return [...endpoints.values()];
  warn(issueAt(documents.main, 'the document declares no service, so no backend address; every SOAP binding is imported'));
  return [...documents.bindings.values()].flatMap((binding) => {
    const soapBinding = childrenOf(binding, [SOAP11_NS, SOAP12_NS], 'binding')[0];
    return soapBinding ? [{ binding, soapBinding, version: versionOf(soapBinding), address: undefined }] : [];
  });
}

function warningCollector(): Pick<ImportContext, 'warnings' | 'warn'> {
  const warnings: ImportIssue[] = [];
  const seen = new Set<string>();
  const warn = (issue: ImportIssue) => {
    const key = `${issue.file ?? ''}|${issue.pointer}|${issue.message}`;
    if (!seen.has(key)) warnings.push(issue);
    seen.add(key);
  };
  return { warnings, warn };
}

function versionOf(soapBinding: XmlElement): SoapVersion {
  return SOAP_VERSION_BY_NS[soapBinding.ns] ?? '1.1';
}

function bindingOperations(endpoint: SoapEndpoint, context: ImportContext): OperationDraft[] {
  const { binding } = endpoint;
  const portTypeKey = resolveQName(binding, binding.attrs.type ?? '').key;
  const portType = context.documents.portTypes.get(portTypeKey);
  if (!portType) throw new ImportError([issueAt(binding, `portType ${portTypeKey} is not defined`)]);
  return childrenOf(binding, [WSDL_NS], 'operation').map((bindingOperation) =>
    draftOf(endpoint, portType, bindingOperation, context),
  );
}

function draftOf(
  endpoint: SoapEndpoint,
  portType: XmlElement,
  bindingOperation: XmlElement,
  context: ImportContext,
): OperationDraft {
  const { binding, soapBinding, version } = endpoint;
  const operationName = bindingOperation.attrs.name;
  if (!operationName) throw new ImportError([issueAt(bindingOperation, 'binding operation has no name')]);
  const abstract = childrenOf(portType, [WSDL_NS], 'operation').find((o) => o.attrs.name === operationName);
  if (!abstract) {
    context.warn(
      issueAt(bindingOperation, `operation is not in portType ${portType.attrs.name ?? ''}; imported without message schemas`),
    );
  }
  const soapOperation = childOf(bindingOperation, [soapBinding.ns], 'operation');
  const style = styleOf(soapOperation?.attrs.style ?? soapBinding.attrs.style ?? 'document', bindingOperation, context);
  const message = (direction: MessageDirection) =>
    abstract ? messageShape({ abstract, bindingOperation, direction, style, soapNs: soapBinding.ns }, context) : undefined;
  const input = message('input');
  const output = message('output');
  // The port type says whether a response exists; without it, the binding is all there is to go by.
  const hasOutput = childOf(abstract ?? bindingOperation, [WSDL_NS], 'output') !== undefined;
  return {
    operationName,
    bindingName: binding.attrs.name ?? '',
    element: bindingOperation,
    operation: {
      description: documentationOf(abstract ?? bindingOperation) || documentationOf(bindingOperation),
      method: 'POST',
      parameters: [],
      request: { required: true, representations: [representation(version, input)] },
      responses: responses(version, hasOutput, output, faultSchema(abstract, context)),
      tags: [portType.attrs.name ?? ''],
      binding: {
        kind: 'soap',
        soapAction: soapOperation?.attrs.soapAction ?? '',
        soapVersion: version,
        style,
        inputElement: input?.element,
        outputElement: output?.element,
      },
    },
  };
}

function styleOf(style: string, at: XmlElement, context: ImportContext): 'document' | 'rpc' {
  if (style === 'document' || style === 'rpc') return style;
  context.warn(issueAt(at, `unknown SOAP style "${style}"; read as document`));
  return 'document';
}

type MessageDirection = 'input' | 'output';

interface MessageRequest {
  abstract: XmlElement;
  bindingOperation: XmlElement;
  direction: MessageDirection;
  style: 'document' | 'rpc';
  soapNs: string;
}

/** What the SOAP body carries: its first element's QName (Clark notation) and a JSON Schema of it. */
interface MessageShape {
  element: string | undefined;
  schema: JsonSchema;
}

function messageShape(request: MessageRequest, context: ImportContext): MessageShape | undefined {
  const { abstract, bindingOperation, direction, style, soapNs } = request;
  const abstractMessage = childOf(abstract, [WSDL_NS], direction);
  if (!abstractMessage) return undefined;
  const messageKey = resolveQName(abstractMessage, abstractMessage.attrs.message ?? '').key;
  const message = context.documents.messages.get(messageKey);
  if (!message) throw new ImportError([issueAt(abstractMessage, `message ${messageKey} is not defined`)]);
  const body = childOf(childOf(bindingOperation, [WSDL_NS], direction) ?? bindingOperation, [soapNs], 'body');
  const parts = bodyParts(message, bindingOperation, direction, body, soapNs);
  const converter = new XsdConverter(context.index, context.warn);
  if (style === 'rpc') {
    // rpc wraps the parts in an element named after the operation (…Response for the output), WSDL 1.1 §3.5.
    const namespace = body?.attrs.namespace ?? context.documents.main.attrs.targetNamespace ?? '';
    const local = `${abstract.attrs.name ?? ''}${direction === 'output' ? 'Response' : ''}`;
    const properties = Object.fromEntries(parts.map((part) => [part.attrs.name ?? '', partSchema(part, converter)]));
    const schema = { type: 'object', properties, xml: { name: local, namespace } };
    return { element: namespace ? `{${namespace}}${local}` : local, schema: converter.finish(schema) };
  }
  return documentShape(message, parts, converter, context);
}

function documentShape(message: XmlElement, parts: XmlElement[], converter: XsdConverter, context: ImportContext): MessageShape {
  const [first, ...others] = parts;
  if (others.length > 0) {
    context.warn(issueAt(message, 'a document-style body has more than one part (WS-I BP R2201); the first describes it'));
  }
  if (!first) return { element: undefined, schema: {} };
  if (first.attrs.element === undefined) {
    context.warn(issueAt(first, 'a document-style part should name an element; its type describes the body instead'));
    return { element: undefined, schema: converter.finish(partSchema(first, converter)) };
  }
  const qname = resolveQName(first, first.attrs.element);
  const schema = { ...converter.globalElement(qname.key, first), xml: { name: qname.local, namespace: qname.ns } };
  return { element: qname.key, schema: converter.finish(schema) };
}

/** The message parts in the SOAP body: those `soap:body parts` lists, else all but the header parts. */
function bodyParts(
  message: XmlElement,
  bindingOperation: XmlElement,
  direction: MessageDirection,
  body: XmlElement | undefined,
  soapNs: string,
): XmlElement[] {
  const parts = childrenOf(message, [WSDL_NS], 'part');
  const listed = body?.attrs.parts?.split(/\s+/).filter(Boolean);
  if (listed) return parts.filter((part) => listed.includes(part.attrs.name ?? ''));
  const io = childOf(bindingOperation, [WSDL_NS], direction);
  const headerParts = io ? childrenOf(io, [soapNs], 'header').map((header) => header.attrs.part) : [];
  return parts.filter((part) => !headerParts.includes(part.attrs.name));
}

function partSchema(part: XmlElement, converter: XsdConverter): JsonSchema {
  if (part.attrs.element !== undefined) return converter.globalElement(resolveQName(part, part.attrs.element).key, part);
  if (part.attrs.type !== undefined) return converter.typeRef(part, part.attrs.type);
  return {};
}

/** Fault detail elements of the operation, one schema (oneOf when several); undefined when none is declared. */
function faultSchema(abstract: XmlElement | undefined, context: ImportContext): JsonSchema | undefined {
  const faults = abstract ? childrenOf(abstract, [WSDL_NS], 'fault') : [];
  const schemas = faults.flatMap((fault) => {
    const message = context.documents.messages.get(resolveQName(fault, fault.attrs.message ?? '').key);
    const part = message ? childrenOf(message, [WSDL_NS], 'part')[0] : undefined;
    if (!part) return [];
    const converter = new XsdConverter(context.index, context.warn);
    return [converter.finish(partSchema(part, converter))];
  });
  if (schemas.length === 0) return undefined;
  return schemas.length === 1 ? schemas[0] : { oneOf: schemas };
}

function representation(version: SoapVersion, shape: MessageShape | undefined): OperationRepresentation {
  return shape ? { contentType: CONTENT_TYPE[version], schema: shape.schema } : { contentType: CONTENT_TYPE[version] };
}

function responses(
  version: SoapVersion,
  hasOutput: boolean,
  output: MessageShape | undefined,
  fault: JsonSchema | undefined,
): OperationResponse[] {
  // A one-way operation's HTTP response carries no envelope (WS-I BP R2714: 200 or 202, empty).
  const success: OperationResponse = hasOutput
    ? { status: 200, description: 'SOAP response', representations: [representation(version, output)] }
    : { status: 202, description: 'Accepted (one-way operation)' };
  // SOAP faults travel with HTTP 500 in both versions (SOAP 1.1 §6.2, SOAP 1.2 part 2 §7.5.1).
  const faultRepresentation: OperationRepresentation = fault
    ? { contentType: CONTENT_TYPE[version], schema: fault }
    : { contentType: CONTENT_TYPE[version] };
  return [success, { status: 500, description: 'SOAP fault', representations: [faultRepresentation] }];
}

/** Names and URL templates: plain for an operation name's first binding, binding-qualified after it. */
function assignRoutes(drafts: OperationDraft[]): ImportedOperation[] {
  const taken = new Set<string>();
  const perBinding = new Set<string>();
  return drafts.map((draft) => {
    const { operationName, bindingName } = draft;
    const key = `${bindingName} ${operationName}`;
    if (perBinding.has(key)) {
      throw new ImportError([
        issueAt(
          draft.element,
          `operation ${operationName} is overloaded in binding ${bindingName}; overloading is not supported (WS-I BP R2304)`,
        ),
      ]);
    }
    perBinding.add(key);
    const plain = !taken.has(operationName);
    const name = plain ? operationName : `${bindingName}.${operationName}`;
    if (taken.has(name))
      throw new ImportError([issueAt(draft.element, `two bindings named ${bindingName} both declare ${operationName}`)]);
    taken.add(name);
    // NCNames may hold non-ASCII letters, which a URL path carries percent-encoded.
    const segments = plain ? [operationName] : [bindingName, operationName];
    return { name, urlTemplate: `/${segments.map(encodeURIComponent).join('/')}`, ...draft.operation };
  });
}

function warnOnSeveralAddresses(endpoints: SoapEndpoint[], serviceUrl: string | undefined, context: ImportContext): void {
  const others = endpoints.filter((endpoint) => endpoint.address && endpoint.address !== serviceUrl);
  for (const endpoint of others) {
    context.warn(
      issueAt(
        endpoint.binding,
        `binding is served at ${endpoint.address ?? ''}, but the API has one backend (${serviceUrl ?? ''}); add a backend for it if they differ`,
      ),
    );
  }
}

function apiName(documents: WsdlDocuments, fileName: string): string {
  const [onlyService, ...others] = documents.services;
  if (onlyService && others.length === 0 && onlyService.attrs.name) return onlyService.attrs.name;
  return documents.main.attrs.name ?? onlyService?.attrs.name ?? fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
}

/** The address's path, as the API path a gateway would naturally expose it under. */
function pathOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).pathname.replace(/^\/+|\/+$/g, '');
  } catch {
    return '';
  }
}
