import type { ImportIssue } from './imported-api.js';
import { descriptionOf, EDM_NS, structuralProperties, type CsdlModel } from './odata-model.js';
import { childrenOf, issueAt, type XmlElement } from './wsdl-xml.js';

export type JsonSchema = Record<string, unknown>;

/**
 * Edm primitives in OData JSON format v4.01 §7.1. Int64 and Decimal may be sent as strings
 * (IEEE754Compatible=true), and Single/Double as "NaN"/"INF", so those accept both forms.
 */
const PRIMITIVES: Record<string, JsonSchema> = {
  'Edm.String': { type: 'string' },
  'Edm.Boolean': { type: 'boolean' },
  'Edm.Byte': { type: 'integer', minimum: 0, maximum: 255 },
  'Edm.SByte': { type: 'integer', minimum: -128, maximum: 127 },
  'Edm.Int16': { type: 'integer', minimum: -32768, maximum: 32767 },
  'Edm.Int32': { type: 'integer', format: 'int32' },
  'Edm.Int64': { type: ['integer', 'string'], format: 'int64' },
  'Edm.Decimal': { type: ['number', 'string'], format: 'decimal' },
  'Edm.Single': { anyOf: [{ type: 'number' }, { enum: ['NaN', 'INF', '-INF'] }] },
  'Edm.Double': { anyOf: [{ type: 'number' }, { enum: ['NaN', 'INF', '-INF'] }] },
  'Edm.Guid': { type: 'string', format: 'uuid' },
  'Edm.Date': { type: 'string', format: 'date' },
  'Edm.DateTimeOffset': { type: 'string', format: 'date-time' },
  'Edm.TimeOfDay': { type: 'string', format: 'time' },
  'Edm.Duration': { type: 'string', format: 'duration' },
  'Edm.Binary': { type: 'string', contentEncoding: 'base64url' },
  'Edm.Stream': { type: 'string', contentEncoding: 'base64url' },
  'Edm.Untyped': {},
  'Edm.PrimitiveType': {},
};

/** Spatial values are GeoJSON objects in OData JSON. */
const GEO_JSON: JsonSchema = {
  type: 'object',
  properties: { type: { type: 'string' }, coordinates: { type: 'array' } },
  required: ['type'],
};

/**
 * Converts CSDL types to self-contained JSON Schema (2020-12). Entity types contribute their
 * structural properties only: navigation properties appear in a payload only when expanded,
 * and inlining them would pull in the whole model. A complex type that contains itself is
 * emitted once under `$defs`; one converter per representation.
 */
export class CsdlSchemaConverter {
  private readonly stack = new Set<string>();
  private readonly recursive = new Set<string>();
  private readonly defs: Record<string, JsonSchema> = {};

  constructor(
    private readonly model: CsdlModel,
    private readonly warn: (issue: ImportIssue) => void,
  ) {}

  /** The schema with the `$defs` its recursive types needed. */
  finish(schema: JsonSchema): JsonSchema {
    return Object.keys(this.defs).length > 0 ? { ...schema, $defs: this.defs } : schema;
  }

  /** A type reference as written in `Type="…"`, `Collection(…)` included; `at` says where, for warnings. */
  typeRef(typeName: string, at: XmlElement): JsonSchema {
    const name = this.model.qualify(typeName);
    const collection = /^Collection\((.+)\)$/.exec(name);
    if (collection) return { type: 'array', items: this.typeRef(collection[1] as string, at) };
    const primitive = PRIMITIVES[name];
    if (primitive) return primitive;
    if (/^Edm\.(Geography|Geometry)/.test(name)) return GEO_JSON;
    const type = this.model.types.get(name);
    if (!type) {
      this.warn(issueAt(at, `type ${typeName} is not defined in this document; its values are not described`));
      return {};
    }
    return this.named(name, type);
  }

  /** A property's schema: its type, facets, nullability (properties are nullable unless Nullable="false") and description. */
  property(property: XmlElement): JsonSchema {
    let schema = this.typeRef(property.attrs.Type ?? 'Edm.String', property);
    const maxLength = property.attrs.MaxLength;
    if (maxLength !== undefined && /^\d+$/.test(maxLength) && schema.type === 'string')
      schema = { ...schema, maxLength: Number(maxLength) };
    if (property.attrs.Nullable !== 'false' && schema.type !== 'array') schema = nullable(schema);
    const description = descriptionOf(property);
    return description ? { ...schema, description } : schema;
  }

  private named(name: string, type: XmlElement): JsonSchema {
    if (this.stack.has(name)) {
      this.recursive.add(name);
      return { $ref: `#/$defs/${name}` };
    }
    this.stack.add(name);
    const schema = this.definition(type);
    this.stack.delete(name);
    if (!this.recursive.has(name)) return schema;
    // The outermost occurrence of a recursive type becomes its definition.
    this.defs[name] = schema;
    return { $ref: `#/$defs/${name}` };
  }

  private definition(type: XmlElement): JsonSchema {
    const description = descriptionOf(type);
    const schema = this.definitionBody(type);
    return description ? { ...schema, description } : schema;
  }

  private definitionBody(type: XmlElement): JsonSchema {
    if (type.local === 'EnumType') {
      const members = childrenOf(type, [EDM_NS], 'Member').map((member) => member.attrs.Name ?? '');
      // Flags combine as a comma-separated list of member names.
      return type.attrs.IsFlags === 'true'
        ? { type: 'string', pattern: `^(${members.join('|')})(,(${members.join('|')}))*$` }
        : { type: 'string', enum: members };
    }
    if (type.local === 'TypeDefinition') return this.typeRef(type.attrs.UnderlyingType ?? 'Edm.String', type);
    const properties = Object.fromEntries(
      structuralProperties(this.model, type).map((p) => [p.attrs.Name ?? '', this.property(p)]),
    );
    // Open types accept dynamic properties; closed ones may still carry @odata annotations, so stay open.
    return { type: 'object', properties };
  }
}

function nullable(schema: JsonSchema): JsonSchema {
  // An enum lists every allowed value, so null must join it as well as the type.
  if (Array.isArray(schema.enum)) return { ...schema, type: [schema.type, 'null'], enum: [...(schema.enum as unknown[]), null] };
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type)) return { ...schema, type: [...(schema.type as string[]), 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}
