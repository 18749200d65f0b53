/**
 * A sample value for a JSON schema, as mock-response answers when the operation declares a
 * schema and no example: the schema's own example, default, const or first enum value where it
 * has one, else a stand-in value of its type ("string", 0, true), objects with every property and
 * arrays with one item. Local `$ref`s (`#/$defs/…`, `#/definitions/…`) are followed; depth is
 * bounded so a recursive schema ends.
 */

const MAX_DEPTH = 8;

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-0000-0000-000000000000',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
};

export function sampleFromSchema(schema: unknown): unknown {
  return sample(schema, isSchema(schema) ? schema : {}, 0);
}

function resolve(schema: Schema, root: Schema, depth: number): Schema | undefined {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  if (depth > MAX_DEPTH || !ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (!isSchema(node)) return undefined;
    node = node[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return isSchema(node) ? resolve(node, root, depth + 1) : undefined;
}

function sample(input: unknown, root: Schema, depth: number): unknown {
  if (!isSchema(input) || depth > MAX_DEPTH) return null;
  const schema = resolve(input, root, depth);
  if (schema === undefined) return null;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (Array.isArray(schema.allOf)) {
    const merged: Record<string, unknown> = {};
    for (const part of schema.allOf) {
      const value = sample(part, root, depth + 1);
      if (isSchema(value)) Object.assign(merged, value);
    }
    return merged;
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return sample(options[0], root, depth + 1);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((item) => item !== 'null') ?? 'null';
  if (type === undefined) type = isSchema(schema.properties) ? 'object' : schema.items !== undefined ? 'array' : undefined;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (isSchema(schema.properties)) {
        for (const [name, property] of Object.entries(schema.properties)) out[name] = sample(property, root, depth + 1);
      }
      return out;
    }
    case 'array':
      return schema.items === undefined ? [] : [sample(schema.items, root, depth + 1)];
    case 'string':
      return typeof schema.format === 'string' ? (FORMAT_SAMPLES[schema.format] ?? 'string') : 'string';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return true;
    default:
      return null;
  }
}
