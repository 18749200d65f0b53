import { isJsonObject } from './openapi-pointer.js';

/*
 * Keywords whose values are schemas, by shape. Everything else in a schema (`default`, `enum`,
 * `examples`, `const`…) is data and must never be searched for `$ref`s.
 */
const SCHEMA_KEYWORDS = new Set([
  'additionalItems',
  'additionalProperties',
  'contains',
  'contentSchema',
  'else',
  'if',
  'items',
  'not',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
const SCHEMA_MAP_KEYWORDS = new Set(['$defs', 'definitions', 'dependentSchemas', 'patternProperties', 'properties']);

/** A copy of `schema` with each direct subschema replaced by `map(subschema, path)`, the path relative to `schema`. */
export function mapSubschemas(
  schema: Record<string, unknown>,
  map: (subschema: unknown, path: (string | number)[]) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...schema };
  for (const [keyword, value] of Object.entries(schema)) {
    if (SCHEMA_ARRAY_KEYWORDS.has(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((item, index) => map(item, [keyword, index]));
    } else if (SCHEMA_MAP_KEYWORDS.has(keyword) && isJsonObject(value)) {
      // fromEntries, not assignment: a property may be called `__proto__`.
      out[keyword] = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, map(item, [keyword, name])]));
    } else if (keyword === 'dependencies' && isJsonObject(value)) {
      // Draft 4–7: each value is a schema or a list of property names.
      out[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, item]) => [name, isJsonObject(item) ? map(item, [keyword, name]) : item]),
      );
    } else if (SCHEMA_KEYWORDS.has(keyword)) {
      out[keyword] = map(value, [keyword]);
    }
  }
  return out;
}

/** The direct subschemas of `schema`, each with its path. */
export function subschemas(schema: Record<string, unknown>): { path: (string | number)[]; schema: unknown }[] {
  const out: { path: (string | number)[]; schema: unknown }[] = [];
  mapSubschemas(schema, (subschema, path) => out.push({ path, schema: subschema }));
  return out;
}
