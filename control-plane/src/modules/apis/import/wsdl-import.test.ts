import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUrlTemplate } from '../../operations/url-template.js';
import { ImportError, type ImportedApi, type ImportSource } from './imported-api.js';
import { importWsdl } from './wsdl-import.js';

const corpus = resolve(import.meta.dirname, '../../../../../../shared/corpus/wsdl');
const testdata = resolve(import.meta.dirname, 'testdata');

/** The WSDL with every other .wsdl/.xsd of its folder as `files`, as an upload of the folder would give. */
function sourceOf(path: string): ImportSource {
  const folder = dirname(path);
  const siblings = readdirSync(folder).filter((name) => /\.(wsdl|xsd)$/.test(name) && name !== basename(path));
  return {
    fileName: basename(path),
    text: readFileSync(path, 'utf8'),
    files: Object.fromEntries(siblings.map((name) => [name, readFileSync(join(folder, name), 'utf8')])),
  };
}

function corpusWsdl(path: string): Promise<ImportedApi> {
  return importWsdl(sourceOf(join(corpus, path)));
}

async function importError(source: ImportSource): Promise<ImportError> {
  const error: unknown = await importWsdl(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportError);
  return error as ImportError;
}

function operation(api: ImportedApi, name: string) {
  const found = api.operations.find((o) => o.name === name);
  expect(found, `operation ${name}`).toBeDefined();
  return found!;
}

/** What the operations table will accept: path-only templates, unique names, unique routes. */
function expectStorable(api: ImportedApi): void {
  const routes = api.operations.map((o) => {
    const parsed = parseUrlTemplate(o.urlTemplate);
    expect(parsed, o.urlTemplate).toMatchObject({ ok: true });
    return `${o.method} ${parsed.ok ? parsed.value.shape : ''}`;
  });
  expect(new Set(routes).size).toBe(routes.length);
  expect(new Set(api.operations.map((o) => o.name)).size).toBe(api.operations.length);
}

const RPC_EXAMPLE_OPERATIONS = [
  'pullFile',
  'putFile',
  'getFile',
  'execFile',
  'listFiles',
  'setKey',
  'getKey',
  'clearKey',
  'listKeys',
  'execAction',
  'heartbeat',
  'legacyHeartbeat',
  'message',
];

/** Every importable WSDL of the corpus and the operations it must yield, in document order. */
const EXPECTED: Record<string, string[]> = {
  'eu-vies/checkVatService.wsdl': ['checkVat', 'checkVatApprox'],
  'node-soap/list_parameter.wsdl': [
    'GetTimesheetWorkSchedule',
    'AddTimesheet',
    'AddTimesheetWithDefaultDistribution',
    'AddTimesheetCommitPerPeriod',
    'AddTimesheetEntryByChargeCode',
    'GetTimesheet',
    'DeleteTimesheetEntry',
    'GetTimesheetFilter',
    'GetTimesheetValues',
    'GetTimesheetValuesWithRelatedColumns',
    'GetFlexiTimecode',
    'GetFreeDimInformation',
    'GetResourceIdFromLoggedInUser',
    'GetTitlesById',
    'GetAppSetup',
    'GetIDsParameters',
    'About',
  ],
  'node-soap/multi-service.wsdl': ['sayHello', 'sayBye', 'sayAnotherBye'],
  'node-soap/rpcexample.wsdl': RPC_EXAMPLE_OPERATIONS,
  'node-soap/strict/CyberSourceTransaction_1.26.wsdl': ['runTransaction'],
  'node-soap/strict/logincms.wsdl': ['loginCms'],
  'node-soap/strict/stockquote.wsdl': ['GetLastTradePrice', 'SetTradePrice', 'IsValidPrice'],
  'node-soap/wsdlImport/main.wsdl': ['getLatestVersion'],
  'node-soap/xsdinclude/xsd_include.wsdl': ['Dummy', 'DummySave'],
};

/** Not namespace-well-formed: `soap:` is used but never declared (line 30). */
const MALFORMED = 'node-soap/default_namespace_soap12.wsdl';
/** Abstract WSDLs (port types, no binding) that main.wsdl imports; nothing to import on their own. */
const ABSTRACT = ['node-soap/wsdlImport/overridden.wsdl', 'node-soap/wsdlImport/sub.wsdl'];

function corpusFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? corpusFiles(join(folder, entry.name))
      : entry.name.endsWith('.wsdl')
        ? [relative(corpus, join(folder, entry.name))]
        : [],
  );
}

describe('WSDL import: the corpus', () => {
  it('accounts for every corpus WSDL', () => {
    expect(corpusFiles(corpus).sort()).toEqual([...Object.keys(EXPECTED), MALFORMED, ...ABSTRACT].sort());
  });

  it.each(Object.entries(EXPECTED))('%s imports with its operations', async (path, names) => {
    const api = await corpusWsdl(path);
    expect(api.type).toBe('soap');
    expect(api.sourceFormat).toBe('wsdl');
    expect(api.operations.map((o) => o.name)).toEqual(names);
    expect(api.operations.every((o) => o.method === 'POST' && o.binding?.kind === 'soap')).toBe(true);
    expectStorable(api);
  });

  it('refuses the malformed file with the line of the undeclared prefix', async () => {
    const error = await importError(sourceOf(join(corpus, MALFORMED)));
    expect(error.issues).toEqual([
      expect.objectContaining({
        line: 30,
        file: 'default_namespace_soap12.wsdl',
        message: expect.stringContaining("prefix 'soap'") as string,
      }),
    ]);
    expect(error.issues[0]?.pointer).toBe("/definitions[@name='MyService']/binding[@name='MyServiceBinding']/binding");
  });

  it.each(ABSTRACT)('refuses %s, which binds nothing', async (path) => {
    const error = await importError(sourceOf(join(corpus, path)));
    expect(error.issues[0]?.message).toMatch(/no SOAP 1\.1 or SOAP 1\.2 binding/);
  });
});

describe('WSDL import: eu-vies checkVatService', () => {
  it('takes name and backend from the service', async () => {
    const api = await corpusWsdl('eu-vies/checkVatService.wsdl');
    expect(api).toMatchObject({
      name: 'checkVatService',
      serviceUrl: 'http://ec.europa.eu/taxation_customs/vies/services/checkVatService',
      suggestedPath: 'taxation_customs/vies/services/checkVatService',
      warnings: [],
    });
    expect(api.description).toMatch(/^Specific disclaimer for this service/);
  });

  it('binds each operation as document/literal SOAP 1.1 with its body elements', async () => {
    const checkVat = operation(await corpusWsdl('eu-vies/checkVatService.wsdl'), 'checkVat');
    expect(checkVat.urlTemplate).toBe('/checkVat');
    expect(checkVat.binding).toEqual({
      kind: 'soap',
      soapAction: '',
      soapVersion: '1.1',
      style: 'document',
      inputElement: '{urn:ec.europa.eu:taxud:vies:services:checkVat:types}checkVat',
      outputElement: '{urn:ec.europa.eu:taxud:vies:services:checkVat:types}checkVatResponse',
    });
    expect(checkVat.request?.representations).toEqual([
      {
        contentType: 'text/xml',
        schema: {
          type: 'object',
          properties: { countryCode: { type: 'string' }, vatNumber: { type: 'string' } },
          required: ['countryCode', 'vatNumber'],
          xml: { name: 'checkVat', namespace: 'urn:ec.europa.eu:taxud:vies:services:checkVat:types' },
        },
      },
    ]);
    expect(checkVat.responses.map((r) => r.status)).toEqual([200, 500]);
  });

  it('converts the response schema: optional, nillable and restricted types', async () => {
    const approx = operation(await corpusWsdl('eu-vies/checkVatService.wsdl'), 'checkVatApprox');
    const schema = approx.responses[0]?.representations?.[0]?.schema as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.required).toEqual(['countryCode', 'vatNumber', 'requestDate', 'valid', 'requestIdentifier']);
    expect(schema.properties.requestDate).toEqual({ type: 'string', format: 'date' });
    expect(schema.properties.traderNameMatch).toEqual({ type: 'string', enum: ['1', '2', '3'] });
    expect(schema.properties.traderCompanyType).toEqual({
      anyOf: [{ type: 'string', pattern: '^(?:[A-Z]{2}\\-[1-9][0-9]?)$' }, { type: 'null' }],
    });
  });
});

describe('WSDL import: bindings and styles', () => {
  it('imports a port type bound for SOAP 1.1 and 1.2 as one operation per binding operation', async () => {
    const api = await importWsdl(sourceOf(join(testdata, 'wsdl-dual-soap-bindings.wsdl')));
    expect(api.operations.map((o) => [o.name, o.urlTemplate, o.binding?.kind === 'soap' && o.binding.soapVersion])).toEqual([
      ['GetQuote', '/GetQuote', '1.1'],
      ['Ping', '/Ping', '1.1'],
      ['QuoteServiceSoap12.GetQuote', '/QuoteServiceSoap12/GetQuote', '1.2'],
      ['QuoteServiceSoap12.Ping', '/QuoteServiceSoap12/Ping', '1.2'],
    ]);
    const soap12 = operation(api, 'QuoteServiceSoap12.GetQuote');
    expect(soap12.binding).toMatchObject({
      soapAction: 'http://example.com/quotes/GetQuote',
      inputElement: '{http://example.com/quotes}GetQuote',
    });
    expect(soap12.request?.representations[0]?.contentType).toBe('application/soap+xml');
    expect(operation(api, 'GetQuote').request?.representations[0]?.contentType).toBe('text/xml');
    expect(operation(api, 'GetQuote').description).toBe('Returns the last trade price of a symbol.');
    expectStorable(api);
  });

  it('skips a non-SOAP port with a warning and answers a one-way operation with 202', async () => {
    const api = await importWsdl(sourceOf(join(testdata, 'wsdl-dual-soap-bindings.wsdl')));
    expect(api.warnings).toEqual([
      expect.objectContaining({ pointer: "/definitions/service[@name='QuoteService']/port[@name='QuoteServiceHttpGet']" }),
    ]);
    expect(operation(api, 'Ping').responses.map((r) => r.status)).toEqual([202, 500]);
    expect(operation(api, 'Ping').binding).toMatchObject({
      inputElement: '{http://example.com/quotes}Ping',
      outputElement: undefined,
    });
  });

  it('reads rpc/encoded SOAP 1.2: wrapper elements named after the operation, parts as properties', async () => {
    const api = await corpusWsdl('node-soap/rpcexample.wsdl');
    const listFiles = operation(api, 'listFiles');
    expect(listFiles.binding).toEqual({
      kind: 'soap',
      soapAction: '',
      soapVersion: '1.2',
      style: 'rpc',
      inputElement: '{urn:RpcExample}listFiles',
      outputElement: '{urn:RpcExample}listFilesResponse',
    });
    // listFilesResult restricts soapenc:Array with wsdl:arrayType="xsd:string[]".
    expect(listFiles.responses[0]?.representations?.[0]).toEqual({
      contentType: 'application/soap+xml',
      schema: {
        type: 'object',
        properties: { result: { type: 'array', items: { type: 'string' } } },
        xml: { name: 'listFilesResponse', namespace: 'urn:RpcExample' },
      },
    });
    expect(operation(api, 'heartbeat').responses[0]?.status).toBe(202);
  });

  it('imports every service of a multi-service document, warning that ports have other addresses', async () => {
    const api = await corpusWsdl('node-soap/multi-service.wsdl');
    expect(api.name).toBe('HelloService');
    expect(api.serviceUrl).toBe('http://localhost:8001/SayHello/');
    expect(operation(api, 'sayBye').binding).toMatchObject({
      soapAction: 'sayBye',
      style: 'rpc',
      inputElement: '{urn:examples:byeservice}sayBye',
    });
    expect(api.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('http://localhost:8001/SayBye/'),
      expect.stringContaining('http://localhost:8001/SayAnotherBye/'),
    ]);
  });

  it('reads built-ins of the pre-2001 XML Schema draft and warns about unqualified type names', async () => {
    const api = await corpusWsdl('node-soap/strict/stockquote.wsdl');
    const schema = operation(api, 'GetLastTradePrice').responses[0]?.representations?.[0]?.schema;
    expect(schema).toMatchObject({
      properties: { price: { type: 'number' }, tax: { type: 'number' }, other: { type: 'number' } },
    });
    expect(api.warnings[0]?.message).toBe('type "string" has no namespace; read as the XML Schema built-in string');
    expect(api.warnings[0]?.line).toBe(15);
  });
});

describe('WSDL import: XML Schema to JSON Schema', () => {
  const text = [
    '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"',
    '    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:tree" targetNamespace="urn:tree">',
    '  <types>',
    '    <xs:schema targetNamespace="urn:tree" elementFormDefault="qualified">',
    '      <xs:complexType name="Node">',
    '        <xs:sequence>',
    '          <xs:element name="label" type="xs:string"/>',
    '          <xs:element name="child" type="t:Node" minOccurs="0" maxOccurs="unbounded"/>',
    '        </xs:sequence>',
    '        <xs:attribute name="id" type="xs:ID" use="required"/>',
    '      </xs:complexType>',
    '      <xs:complexType name="Base"><xs:sequence><xs:element name="a" type="xs:int"/></xs:sequence></xs:complexType>',
    '      <xs:complexType name="Derived"><xs:complexContent><xs:extension base="t:Base">',
    '        <xs:sequence><xs:element name="b" type="xs:boolean"/></xs:sequence>',
    '      </xs:extension></xs:complexContent></xs:complexType>',
    '      <xs:element name="GetTree"><xs:complexType><xs:sequence>',
    '        <xs:element name="root" type="t:Node"/>',
    '        <xs:element name="derived" type="t:Derived"/>',
    '        <xs:choice><xs:element name="x" type="xs:string"/><xs:element name="y" type="xs:string"/></xs:choice>',
    '      </xs:sequence></xs:complexType></xs:element>',
    '    </xs:schema>',
    '  </types>',
    '  <message name="In"><part name="p" element="t:GetTree"/></message>',
    '  <portType name="P"><operation name="GetTree"><input message="t:In"/></operation></portType>',
    '  <binding name="B" type="t:P">',
    '    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>',
    '    <operation name="GetTree"><soap:operation soapAction="urn:GetTree"/><input><soap:body use="literal"/></input></operation>',
    '  </binding>',
    '</definitions>',
  ].join('\n');

  it('emits a recursive type once under $defs, merges extensions, keeps choices optional and marks attributes', async () => {
    const api = await importWsdl({ fileName: 'tree.wsdl', text });
    expect(api.operations[0]?.request?.representations[0]?.schema).toEqual({
      type: 'object',
      properties: {
        root: { $ref: '#/$defs/Node' },
        derived: {
          type: 'object',
          properties: { a: { type: 'integer', format: 'int32' }, b: { type: 'boolean' } },
          required: ['a', 'b'],
        },
        x: { type: 'string' },
        y: { type: 'string' },
      },
      required: ['root', 'derived'],
      xml: { name: 'GetTree', namespace: 'urn:tree' },
      $defs: {
        Node: {
          type: 'object',
          properties: {
            label: { type: 'string' },
            child: { type: 'array', items: { $ref: '#/$defs/Node' } },
            id: { type: 'string', xml: { attribute: true } },
          },
          required: ['label', 'id'],
        },
      },
    });
  });

  it('imports the bindings of a document without a service, with no backend and a warning', async () => {
    const api = await importWsdl({ fileName: 'tree.wsdl', text });
    expect(api.serviceUrl).toBeUndefined();
    expect(api.name).toBe('tree');
    expect(api.warnings.map((w) => w.message)).toEqual([
      'the document declares no service, so no backend address; every SOAP binding is imported',
    ]);
  });
});

describe('WSDL import: imports and includes from the uploaded files', () => {
  it('follows wsdl:import to the port type and messages, and xsd:import from there', async () => {
    const api = await corpusWsdl('node-soap/wsdlImport/main.wsdl');
    expect(operation(api, 'getLatestVersion').binding).toMatchObject({
      inputElement: '{http://example.com/}getLatestVersion',
      outputElement: '{http://example.com/}getLatestVersionResponse',
    });
    const response = operation(api, 'getLatestVersion').responses[0]?.representations?.[0]?.schema;
    expect(response).toMatchObject({ properties: { return: { type: 'integer', format: 'int64' } } });
  });

  it('refuses a wsdl:import whose file was not uploaded, naming it', async () => {
    const source = sourceOf(join(corpus, 'node-soap/wsdlImport/main.wsdl'));
    const error = await importError({ ...source, files: {} });
    expect(error.issues).toEqual([
      {
        pointer: "/definitions[@name='UserRemoteServiceImplService']/import",
        line: 2,
        file: 'main.wsdl',
        message: "file 'sub.wsdl' is not among the uploaded files; imports are never fetched",
      },
    ]);
  });

  it('refuses a missing xsd:import of an imported WSDL, naming the file and where it is imported', async () => {
    const source = sourceOf(join(corpus, 'node-soap/wsdlImport/main.wsdl'));
    const error = await importError({ ...source, files: { 'sub.wsdl': source.files?.['sub.wsdl'] ?? '' } });
    expect(error.issues[0]).toMatchObject({
      file: 'sub.wsdl',
      line: 4,
      message: expect.stringContaining('\'xsd.xsd\' (imported as "./xsd.xsd")') as string,
    });
  });

  it('follows xsd:include into the including schema’s namespace', async () => {
    const api = await corpusWsdl('node-soap/xsdinclude/xsd_include.wsdl');
    const request = operation(api, 'Dummy').request?.representations[0]?.schema;
    // IdType and NameType live in the included types.xsd.
    expect(request).toMatchObject({
      properties: { ID: { type: 'string', pattern: '^(?:\\d{5,15})$' }, Name: { type: 'string', minLength: 1, maxLength: 255 } },
    });
  });

  it('warns about what the included schema and the binding leave undefined', async () => {
    const api = await corpusWsdl('node-soap/xsdinclude/xsd_include.wsdl');
    expect(api.warnings.map((w) => [w.line, w.message])).toEqual([
      [25, 'type {http://www.dummy.com/Types}DummyList is not defined in any schema; its content is not described'],
      [54, 'operation is not in portType DummyPortType; imported without message schemas'],
    ]);
    expect(operation(api, 'DummySave').binding).toMatchObject({ soapAction: 'tns#DummySave', inputElement: undefined });
  });

  it('refuses a missing xsd:include, naming the file', async () => {
    const error = await importError({ ...sourceOf(join(corpus, 'node-soap/xsdinclude/xsd_include.wsdl')), files: {} });
    expect(error.issues[0]).toMatchObject({
      line: 13,
      message: "file 'types.xsd' is not among the uploaded files; imports are never fetched",
    });
  });

  it('resolves an xsd:import of a large schema (CyberSource) into the request schema', async () => {
    const api = await corpusWsdl('node-soap/strict/CyberSourceTransaction_1.26.wsdl');
    const request = operation(api, 'runTransaction').request?.representations[0]?.schema as {
      properties: Record<string, unknown>;
      xml: unknown;
    };
    expect(request.xml).toEqual({ name: 'requestMessage', namespace: 'urn:schemas-cybersource-com:transaction-data-1.26' });
    expect(request.properties.merchantID).toEqual({ type: 'string' });
    expect(request.properties.item).toMatchObject({ type: 'array', items: { type: 'object' } });
  });
});

describe('WSDL import: refusals', () => {
  it('reports malformed XML at the validator’s line', async () => {
    const text =
      '<?xml version="1.0"?>\n<definitions xmlns="http://schemas.xmlsoap.org/wsdl/">\n  <message name="a">\n    <part name="p"/>\n  </mesage>\n</definitions>\n';
    const error = await importError({ fileName: 'broken.wsdl', text });
    expect(error.issues).toEqual([
      { pointer: '', line: 5, file: 'broken.wsdl', message: expect.stringMatching(/^malformed XML: /) as string },
    ]);
  });

  it('refuses WSDL 2.0 and documents that are not WSDL', async () => {
    const wsdl20 = await importError({ fileName: 'a.wsdl', text: '<description xmlns="http://www.w3.org/ns/wsdl"/>' });
    expect(wsdl20.issues[0]?.message).toMatch(/WSDL 2\.0 is not supported/);
    const other = await importError({
      fileName: 'a.wsdl',
      text: '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"/>',
    });
    expect(other.issues[0]?.message).toBe('expected a WSDL 1.1 <definitions> element, found <Edmx>');
  });

  it('refuses a port whose binding is not defined, pointing at the port', async () => {
    const source = sourceOf(join(corpus, 'eu-vies/checkVatService.wsdl'));
    const error = await importError({
      ...source,
      text: source.text.replace('binding="impl:checkVatBinding"', 'binding="impl:nope"'),
    });
    expect(error.issues[0]).toMatchObject({
      pointer: "/definitions/service[@name='checkVatService']/port[@name='checkVatPort']",
      message: 'binding {urn:ec.europa.eu:taxud:vies:services:checkVat}nope is not defined',
    });
  });
});
