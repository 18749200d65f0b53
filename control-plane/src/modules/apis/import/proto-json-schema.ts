import protobuf from 'protobufjs';

export type JsonSchema = Record<string, unknown>;

const INT64: JsonSchema = { type: ['string', 'integer'], format: 'int64' };
const UINT64: JsonSchema = { type: ['string', 'integer'], format: 'uint64', minimum: 0 };

/** Scalars in the proto3 JSON mapping: 64-bit integers are decimal strings (numbers accepted), bytes base64. */
const SCALARS: Record<string, JsonSchema> = {
  double: { type: 'number' },
  float: { type: 'number' },
  int32: { type: 'integer', format: 'int32' },
  sint32: { type: 'integer', format: 'int32' },
  sfixed32: { type: 'integer', format: 'int32' },
  uint32: { type: 'integer', format: 'uint32', minimum: 0 },
  fixed32: { type: 'integer', format: 'uint32', minimum: 0 },
  int64: INT64,
  sint64: INT64,
  sfixed64: INT64,
  uint64: UINT64,
  fixed64: UINT64,
  bool: { type: 'boolean' },
  string: { type: 'string' },
  bytes: { type: 'string', contentEncoding: 'base64' },
};

const WRAPPED_SCALAR: Record<string, string> = {
  DoubleValue: 'double',
  FloatValue: 'float',
  Int64Value: 'int64',
  UInt64Value: 'uint64',
  Int32Value: 'int32',
  UInt32Value: 'uint32',
  BoolValue: 'bool',
  StringValue: 'string',
  BytesValue: 'bytes',
};

/** Well-known types have their own JSON forms (protobuf's JSON mapping table), not their message shape. */
function wellKnownType(fullName: string): JsonSchema | undefined {
  const name = fullName.replace(/^\.?google\.protobuf\./, '');
  if (name === fullName.replace(/^\./, '')) return undefined;
  if (name === 'Timestamp') return { type: 'string', format: 'date-time' };
  if (name === 'Duration') return { type: 'string', pattern: '^-?\\d+(\\.\\d{1,9})?s$' };
  if (name === 'FieldMask') return { type: 'string' };
  if (name === 'Struct') return { type: 'object' };
  if (name === 'Value') return {};
  if (name === 'ListValue') return { type: 'array' };
  if (name === 'NullValue') return { type: 'null' };
  if (name === 'Empty') return { type: 'object', additionalProperties: false };
  if (name === 'Any') return { type: 'object', properties: { '@type': { type: 'string' } }, required: ['@type'] };
  const wrapped = WRAPPED_SCALAR[name];
  return wrapped ? { anyOf: [SCALARS[wrapped], { type: 'null' }] } : undefined;
}

/**
 * JSON Schema of a message in the proto3 JSON mapping (what gRPC-JSON transcoding and the
 * portal's examples use). Self-contained: a message that contains itself is emitted once
 * under `$defs` and referenced, everything else inlined. One converter per representation.
 */
export class ProtoSchemaConverter {
  private readonly stack = new Set<string>();
  private readonly recursive = new Set<string>();
  private readonly defs: Record<string, JsonSchema> = {};

  message(type: protobuf.Type): JsonSchema {
    const schema = this.messageRef(type);
    return Object.keys(this.defs).length > 0 ? { ...schema, $defs: this.defs } : schema;
  }

  private messageRef(type: protobuf.Type): JsonSchema {
    const fullName = type.fullName.replace(/^\./, '');
    const known = wellKnownType(fullName);
    if (known) return known;
    if (this.stack.has(fullName)) {
      this.recursive.add(fullName);
      return { $ref: `#/$defs/${fullName}` };
    }
    this.stack.add(fullName);
    const schema = this.messageBody(type);
    this.stack.delete(fullName);
    if (!this.recursive.has(fullName)) return schema;
    // The outermost occurrence of a recursive message becomes its definition.
    this.defs[fullName] = schema;
    return { $ref: `#/$defs/${fullName}` };
  }

  private messageBody(type: protobuf.Type): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of type.fieldsArray) {
      // protobufjs sets jsonName on resolve: `json_name` when declared, else protoc's lowerCamelCase.
      const name = field.jsonName;
      properties[name] = withDescription(this.field(field), field.comment);
      // Only proto2 `required` makes a field mandatory; proto3 fields are all optional on the wire.
      if (field.required) required.push(name);
    }
    const schema: JsonSchema = { type: 'object', properties };
    if (required.length > 0) schema.required = required;
    return withDescription(schema, type.comment);
  }

  private field(field: protobuf.Field): JsonSchema {
    const value = this.fieldType(field);
    if (field instanceof protobuf.MapField) return { type: 'object', additionalProperties: value };
    return field.repeated ? { type: 'array', items: value } : value;
  }

  private fieldType(field: protobuf.Field): JsonSchema {
    const scalar = SCALARS[field.type];
    if (scalar) return scalar;
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) return enumSchema(resolved);
    if (resolved instanceof protobuf.Type) return this.messageRef(resolved);
    return {};
  }
}

function enumSchema(type: protobuf.Enum): JsonSchema {
  if (type.fullName.replace(/^\./, '') === 'google.protobuf.NullValue') return { type: 'null' };
  return withDescription({ type: 'string', enum: Object.keys(type.values) }, type.comment);
}

function withDescription(schema: JsonSchema, comment: string | null): JsonSchema {
  const description = comment?.trim();
  return description ? { ...schema, description } : schema;
}
