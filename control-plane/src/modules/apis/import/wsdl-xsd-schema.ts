import type { ImportIssue } from './imported-api.js';
import { XSD_NS, type SchemaDocument } from './wsdl-documents.js';
import { childOf, childrenOf, clark, documentationOf, issueAt, resolveQName, type XmlElement } from './wsdl-xml.js';

export type JsonSchema = Record<string, unknown>;

interface Component {
  element: XmlElement;
  targetNamespace: string;
}

/** SOAP 1.1 and 1.2 encoding namespaces: rpc/encoded WSDLs type parts with `soapenc:string`, `soapenc:Array`. */
const SOAP_ENCODING_NS = ['http://schemas.xmlsoap.org/soap/encoding/', 'http://www.w3.org/2003/05/soap-encoding'];

const STRING: JsonSchema = { type: 'string' };
const INTEGER: JsonSchema = { type: 'integer' };
const NUMBER: JsonSchema = { type: 'number' };

/** XSD built-in types in the JSON shape a SOAP↔JSON mapping (node-soap, Azure's soap-to-rest) gives them. */
const BUILT_IN_TYPES: Record<string, JsonSchema> = {
  ...Object.fromEntries(
    [
      'string',
      'normalizedString',
      'token',
      'language',
      'Name',
      'NCName',
      'NMTOKEN',
      'ID',
      'IDREF',
      'ENTITY',
      'QName',
      'NOTATION',
    ].map((name) => [name, STRING]),
  ),
  ...Object.fromEntries(['NMTOKENS', 'IDREFS', 'ENTITIES'].map((name) => [name, { type: 'array', items: STRING }])),
  ...Object.fromEntries(['gYear', 'gYearMonth', 'gMonth', 'gMonthDay', 'gDay'].map((name) => [name, STRING])),
  anyURI: { type: 'string', format: 'uri' },
  boolean: { type: 'boolean' },
  decimal: NUMBER,
  float: NUMBER,
  double: NUMBER,
  integer: INTEGER,
  long: { type: 'integer', format: 'int64' },
  int: { type: 'integer', format: 'int32' },
  short: INTEGER,
  byte: INTEGER,
  nonNegativeInteger: { type: 'integer', minimum: 0 },
  positiveInteger: { type: 'integer', minimum: 1 },
  nonPositiveInteger: { type: 'integer', maximum: 0 },
  negativeInteger: { type: 'integer', maximum: -1 },
  unsignedLong: { type: 'integer', minimum: 0 },
  unsignedInt: { type: 'integer', minimum: 0 },
  unsignedShort: { type: 'integer', minimum: 0 },
  unsignedByte: { type: 'integer', minimum: 0 },
  dateTime: { type: 'string', format: 'date-time' },
  date: { type: 'string', format: 'date' },
  time: { type: 'string', format: 'time' },
  duration: { type: 'string', format: 'duration' },
  base64Binary: { type: 'string', contentEncoding: 'base64' },
  hexBinary: { type: 'string', pattern: '^([0-9a-fA-F]{2})*$' },
  anyType: {},
  anySimpleType: {},
};

const NUMERIC_FACETS: Record<string, string> = {
  minInclusive: 'minimum',
  maxInclusive: 'maximum',
  minExclusive: 'exclusiveMinimum',
  maxExclusive: 'exclusiveMaximum',
};
const LENGTH_FACETS: Record<string, string> = { minLength: 'minLength', maxLength: 'maxLength' };

/** Global components of every loaded schema, by Clark name. */
export class XsdIndex {
  readonly elements = new Map<string, Component>();
  readonly types = new Map<string, Component>();
  readonly groups = new Map<string, Component>();
  readonly attributeGroups = new Map<string, Component>();
  readonly attributes = new Map<string, Component>();

  constructor(schemas: readonly SchemaDocument[]) {
    const tables: Record<string, Map<string, Component>> = {
      element: this.elements,
      complexType: this.types,
      simpleType: this.types,
      group: this.groups,
      attributeGroup: this.attributeGroups,
      attribute: this.attributes,
    };
    for (const { element: schema, targetNamespace } of schemas) {
      for (const child of childrenOf(schema, XSD_NS)) {
        const name = child.attrs.name;
        const table = tables[child.local];
        if (name !== undefined && table) table.set(clark(targetNamespace, name), { element: child, targetNamespace });
      }
    }
  }
}

/** Collects the properties of an XSD content model into one object schema. */
interface ObjectShape {
  properties: Record<string, JsonSchema>;
  required: string[];
  allOf: JsonSchema[];
}

/**
 * Converts XSD declarations to self-contained JSON Schema (2020-12) for request and response
 * representations. Named types are inlined; a type that contains itself is emitted once under
 * `$defs` and referenced, since inlining it would never end. One converter per representation,
 * so `$defs` hold only what that representation needs.
 */
export class XsdConverter {
  private readonly stack = new Set<string>();
  private readonly recursive = new Set<string>();
  private readonly defs: Record<string, JsonSchema> = {};
  private readonly defNames = new Map<string, string>();

  constructor(
    private readonly index: XsdIndex,
    private readonly warn: (issue: ImportIssue) => void,
  ) {}

  /** The schema with the `$defs` its recursive types needed. */
  finish(schema: JsonSchema): JsonSchema {
    return Object.keys(this.defs).length > 0 ? { ...schema, $defs: this.defs } : schema;
  }

  globalElement(key: string, at: XmlElement): JsonSchema {
    const component = this.index.elements.get(key);
    if (!component) {
      this.warn(issueAt(at, `element ${key} is not declared in any schema`));
      return {};
    }
    return this.named(`element ${key}`, component.element.attrs.name ?? key, () => this.elementBody(component));
  }

  /** A type reference (`type="tns:Foo"`, `base="xsd:string"`) as a schema. */
  typeRef(at: XmlElement, value: string): JsonSchema {
    const qname = resolveQName(at, value);
    if (XSD_NS.includes(qname.ns)) return this.builtIn(at, qname.local);
    const component = this.index.types.get(qname.key);
    if (component) {
      return this.named(`type ${qname.key}`, qname.local, () => this.typeDefinition(component));
    }
    if (SOAP_ENCODING_NS.includes(qname.ns))
      return qname.local === 'Array' ? { type: 'array' } : (BUILT_IN_TYPES[qname.local] ?? {});
    // Pre-2001 schemas often wrote built-ins unprefixed with no default namespace (type="string").
    const builtIn = qname.ns === '' ? BUILT_IN_TYPES[qname.local] : undefined;
    if (builtIn) {
      this.warn(issueAt(at, `type "${value}" has no namespace; read as the XML Schema built-in ${qname.local}`));
      return builtIn;
    }
    this.warn(issueAt(at, `type ${qname.key} is not defined in any schema; its content is not described`));
    return {};
  }

  private builtIn(at: XmlElement, local: string): JsonSchema {
    const schema = BUILT_IN_TYPES[local];
    if (schema) return schema;
    this.warn(issueAt(at, `unknown XML Schema built-in type ${local}`));
    return {};
  }

  private named(key: string, displayName: string, build: () => JsonSchema): JsonSchema {
    if (this.stack.has(key)) {
      this.recursive.add(key);
      return { $ref: `#/$defs/${this.defName(key, displayName)}` };
    }
    this.stack.add(key);
    const schema = build();
    this.stack.delete(key);
    if (!this.recursive.has(key)) return schema;
    // The outermost occurrence of a recursive type becomes its definition.
    const name = this.defName(key, displayName);
    this.defs[name] = schema;
    return { $ref: `#/$defs/${name}` };
  }

  private defName(key: string, displayName: string): string {
    const existing = this.defNames.get(key);
    if (existing) return existing;
    const taken = new Set(this.defNames.values());
    let name = displayName;
    for (let n = 2; taken.has(name); n++) name = `${displayName}${n}`;
    this.defNames.set(key, name);
    return name;
  }

  private typeDefinition({ element, targetNamespace }: Component): JsonSchema {
    return element.local === 'complexType' ? this.complexType(element, targetNamespace) : this.simpleType(element);
  }

  private elementBody({ element, targetNamespace }: Component): JsonSchema {
    let schema: JsonSchema = {};
    const complex = childOf(element, XSD_NS, 'complexType');
    const simple = childOf(element, XSD_NS, 'simpleType');
    if (element.attrs.type !== undefined) schema = this.typeRef(element, element.attrs.type);
    else if (complex) schema = this.complexType(complex, targetNamespace);
    else if (simple) schema = this.simpleType(simple);
    // node-soap's types.xsd puts a sequence straight into an element; read it as the complex type it means.
    else if (childOf(element, XSD_NS, 'sequence')) schema = this.complexType(element, targetNamespace);
    if (element.attrs.nillable === 'true') schema = { anyOf: [schema, { type: 'null' }] };
    return withDescription(schema, documentationOf(childOf(element, XSD_NS, 'annotation') ?? element));
  }

  private complexType(type: XmlElement, targetNamespace: string): JsonSchema {
    const shape: ObjectShape = { properties: {}, required: [], allOf: [] };
    for (const child of childrenOf(type, XSD_NS)) {
      if (child.local === 'complexContent') return this.complexContent(child, targetNamespace);
      if (child.local === 'simpleContent') return this.simpleContent(child);
      this.addParticle(child, targetNamespace, shape, false);
      this.addAttribute(child, shape);
    }
    return withDescription(objectSchema(shape), documentationOf(childOf(type, XSD_NS, 'annotation') ?? type));
  }

  /** Adds a model group, element, group reference or wildcard to `shape`; anything else is ignored. */
  private addParticle(particle: XmlElement, targetNamespace: string, shape: ObjectShape, optional: boolean): void {
    const skippable = optional || particle.attrs.minOccurs === '0';
    if (particle.local === 'element') {
      this.addElement(particle, targetNamespace, shape, optional);
    } else if (particle.local === 'sequence' || particle.local === 'all' || particle.local === 'choice') {
      // Members of a choice are each optional: exactly one of them appears.
      const innerOptional = skippable || particle.local === 'choice';
      for (const child of childrenOf(particle, XSD_NS)) this.addParticle(child, targetNamespace, shape, innerOptional);
    } else if (particle.local === 'group' && particle.attrs.ref !== undefined) {
      const group = this.index.groups.get(resolveQName(particle, particle.attrs.ref).key);
      if (!group) return this.warn(issueAt(particle, `group ${particle.attrs.ref} is not defined in any schema`));
      for (const child of childrenOf(group.element, XSD_NS)) this.addParticle(child, group.targetNamespace, shape, skippable);
    }
  }

  private addElement(particle: XmlElement, targetNamespace: string, shape: ObjectShape, optional: boolean): void {
    let name = particle.attrs.name;
    let schema: JsonSchema;
    if (particle.attrs.ref !== undefined) {
      const qname = resolveQName(particle, particle.attrs.ref);
      name = qname.local;
      schema = this.globalElement(qname.key, particle);
    } else {
      schema = this.elementBody({ element: particle, targetNamespace });
    }
    if (name === undefined) return this.warn(issueAt(particle, 'element has neither name nor ref'));
    const { minOccurs = '1', maxOccurs = '1' } = particle.attrs;
    if (maxOccurs === 'unbounded' || Number(maxOccurs) > 1) {
      schema = { type: 'array', items: schema };
      if (Number(minOccurs) > 0) schema.minItems = Number(minOccurs);
      if (maxOccurs !== 'unbounded') schema.maxItems = Number(maxOccurs);
    }
    shape.properties[name] = schema;
    if (!optional && Number(minOccurs) > 0) shape.required.push(name);
  }

  private addAttribute(declaration: XmlElement, shape: ObjectShape): void {
    if (declaration.local === 'attributeGroup' && declaration.attrs.ref !== undefined) {
      const group = this.index.attributeGroups.get(resolveQName(declaration, declaration.attrs.ref).key);
      if (!group) return this.warn(issueAt(declaration, `attributeGroup ${declaration.attrs.ref} is not defined in any schema`));
      for (const child of childrenOf(group.element, XSD_NS)) this.addAttribute(child, shape);
      return;
    }
    if (declaration.local !== 'attribute') return;
    const { name, ref, type, use } = declaration.attrs;
    const attributeName = name ?? (ref !== undefined ? resolveQName(declaration, ref).local : undefined);
    if (attributeName === undefined) return;
    const inline = childOf(declaration, XSD_NS, 'simpleType');
    const value = type !== undefined ? this.typeRef(declaration, type) : inline ? this.simpleType(inline) : STRING;
    // OpenAPI's XML object marks attributes, so the JSON view keeps the XML shape recoverable.
    shape.properties[attributeName] = { ...value, xml: { attribute: true } };
    if (use === 'required') shape.required.push(attributeName);
  }

  private complexContent(content: XmlElement, targetNamespace: string): JsonSchema {
    const derivation = childOf(content, XSD_NS, 'extension') ?? childOf(content, XSD_NS, 'restriction');
    if (!derivation?.attrs.base) return {};
    const base = resolveQName(derivation, derivation.attrs.base);
    if (SOAP_ENCODING_NS.includes(base.ns) && base.local === 'Array') return this.soapEncodedArray(derivation, targetNamespace);
    const shape: ObjectShape = { properties: {}, required: [], allOf: [] };
    // A restriction restates the content it keeps, so only an extension inherits the base's.
    if (derivation.local === 'extension') mergeBase(shape, this.typeRef(derivation, derivation.attrs.base));
    for (const child of childrenOf(derivation, XSD_NS)) {
      this.addParticle(child, targetNamespace, shape, false);
      this.addAttribute(child, shape);
    }
    return objectSchema(shape);
  }

  /** `soapenc:Array` restrictions (rpc/encoded) name the item type in `wsdl:arrayType="xsd:string[]"` or a sequence. */
  private soapEncodedArray(derivation: XmlElement, targetNamespace: string): JsonSchema {
    for (const attribute of childrenOf(derivation, XSD_NS, 'attribute')) {
      const arrayType = Object.entries(attribute.attrs).find(([name]) => name.endsWith(':arrayType'))?.[1];
      if (arrayType) return { type: 'array', items: this.typeRef(attribute, arrayType.replace(/\[[\d,]*\]$/, '')) };
    }
    const shape: ObjectShape = { properties: {}, required: [], allOf: [] };
    for (const child of childrenOf(derivation, XSD_NS)) this.addParticle(child, targetNamespace, shape, false);
    const [item] = Object.values(shape.properties);
    return item && item.type === 'array' ? item : { type: 'array', items: item ?? {} };
  }

  /** Text content with attributes: node-soap's convention puts the text under `$value`. */
  private simpleContent(content: XmlElement): JsonSchema {
    const derivation = childOf(content, XSD_NS, 'extension') ?? childOf(content, XSD_NS, 'restriction');
    if (!derivation?.attrs.base) return {};
    const value = this.applyFacets(this.typeRef(derivation, derivation.attrs.base), derivation);
    const shape: ObjectShape = { properties: {}, required: [], allOf: [] };
    for (const child of childrenOf(derivation, XSD_NS)) this.addAttribute(child, shape);
    if (Object.keys(shape.properties).length === 0) return value;
    return objectSchema({ ...shape, properties: { $value: value, ...shape.properties } });
  }

  private simpleType(type: XmlElement): JsonSchema {
    const restriction = childOf(type, XSD_NS, 'restriction');
    const list = childOf(type, XSD_NS, 'list');
    const union = childOf(type, XSD_NS, 'union');
    let schema: JsonSchema = STRING;
    if (restriction) {
      const inline = childOf(restriction, XSD_NS, 'simpleType');
      const base =
        restriction.attrs.base !== undefined
          ? this.typeRef(restriction, restriction.attrs.base)
          : inline
            ? this.simpleType(inline)
            : STRING;
      schema = this.applyFacets(base, restriction);
    } else if (list) {
      const inline = childOf(list, XSD_NS, 'simpleType');
      const item =
        list.attrs.itemType !== undefined ? this.typeRef(list, list.attrs.itemType) : inline ? this.simpleType(inline) : STRING;
      schema = { type: 'array', items: item };
    } else if (union) {
      const members = (union.attrs.memberTypes ?? '').split(/\s+/).filter(Boolean);
      const anyOf = [
        ...members.map((member) => this.typeRef(union, member)),
        ...childrenOf(union, XSD_NS, 'simpleType').map((t) => this.simpleType(t)),
      ];
      schema = { anyOf };
    }
    return withDescription(schema, documentationOf(childOf(type, XSD_NS, 'annotation') ?? type));
  }

  private applyFacets(base: JsonSchema, restriction: XmlElement): JsonSchema {
    const facets: JsonSchema = {};
    const numeric = base.type === 'integer' || base.type === 'number';
    const enumeration: unknown[] = [];
    for (const facet of childrenOf(restriction, XSD_NS)) {
      const value = facet.attrs.value;
      if (value === undefined) continue;
      if (facet.local === 'enumeration') enumeration.push(numeric ? Number(value) : value);
      else if (facet.local === 'pattern') facets.pattern = `^(?:${value})$`;
      else if (facet.local === 'length') Object.assign(facets, { minLength: Number(value), maxLength: Number(value) });
      else if (LENGTH_FACETS[facet.local]) facets[LENGTH_FACETS[facet.local] as string] = Number(value);
      else if (NUMERIC_FACETS[facet.local] && numeric) facets[NUMERIC_FACETS[facet.local] as string] = Number(value);
    }
    if (enumeration.length > 0) facets.enum = enumeration;
    if (Object.keys(facets).length === 0) return base;
    return base.$ref !== undefined || base.anyOf !== undefined ? { allOf: [base], ...facets } : { ...base, ...facets };
  }
}

function objectSchema(shape: ObjectShape): JsonSchema {
  const schema: JsonSchema = { type: 'object', properties: shape.properties };
  if (shape.required.length > 0) schema.required = [...new Set(shape.required)];
  if (shape.allOf.length > 0) schema.allOf = shape.allOf;
  return schema;
}

/** Copies an extension base's properties in; a base that is a `$ref` (recursive) stays as `allOf`. */
function mergeBase(shape: ObjectShape, base: JsonSchema): void {
  const properties = base.properties as Record<string, JsonSchema> | undefined;
  if (!properties) {
    if (Object.keys(base).length > 0) shape.allOf.push(base);
    return;
  }
  Object.assign(shape.properties, properties);
  shape.required.push(...((base.required as string[] | undefined) ?? []));
  shape.allOf.push(...((base.allOf as JsonSchema[] | undefined) ?? []));
}

function withDescription(schema: JsonSchema, description: string): JsonSchema {
  return description && schema.description === undefined ? { ...schema, description } : schema;
}
