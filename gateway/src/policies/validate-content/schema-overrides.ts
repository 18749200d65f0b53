/**
 * Rewrites of a JSON schema (2020-12, as the control plane stores them) for validate-content's
 * per-rule overrides. They work on a copy; the operation's schema is shared.
 */

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

// Keywords whose value is one subschema, an array of them, or a map of them. Those in IN_PLACE
// apply to the same instance as their parent (JSON Schema 2020-12 §10.2), the others to a part of it.
const ONE = [
  'items',
  'additionalItems',
  'additionalProperties',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contains',
  'propertyNames',
];
const ONE_IN_PLACE = ['not', 'if', 'then', 'else'];
const MANY = ['prefixItems'];
const MANY_IN_PLACE = ['allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions'];
const MAP_IN_PLACE = ['dependentSchemas'];

/** Calls `visit` on every subschema, depth first, telling whether it applies in place. */
function walk(schema: Schema, visit: (node: Schema, inPlace: boolean) => void, inPlace = false): void {
  visit(schema, inPlace);
  const each = (value: unknown, place: boolean) => {
    if (isSchema(value)) walk(value, visit, place);
  };
  for (const key of ONE) each(schema[key], false);
  for (const key of ONE_IN_PLACE) each(schema[key], true);
  for (const key of [...MANY, ...MANY_IN_PLACE]) {
    const list = schema[key];
    if (Array.isArray(list)) for (const item of list) each(item, MANY_IN_PLACE.includes(key));
  }
  // Draft 4–2019 tuple form of items.
  if (Array.isArray(schema.items)) for (const item of schema.items) each(item, false);
  for (const key of [...MAP, ...MAP_IN_PLACE]) {
    const map = schema[key];
    if (isSchema(map)) for (const value of Object.values(map)) each(value, MAP_IN_PLACE.includes(key));
  }
}

/**
 * allow-additional-properties: `true` lifts every `additionalProperties: false` and
 * `unevaluatedProperties: false`; `false` forbids undeclared properties everywhere an instance is
 * matched as a whole. It uses unevaluatedProperties there, so that properties declared in allOf
 * branches still count as declared; a schema-valued additionalProperties (a map) is kept.
 */
export function overrideAdditionalProperties(schema: unknown, allow: boolean): unknown {
  if (!isSchema(schema)) return schema;
  const copy = structuredClone(schema);
  walk(copy, (node, inPlace) => {
    if (allow) {
      if (node.additionalProperties === false) delete node.additionalProperties;
      if (node.unevaluatedProperties === false) delete node.unevaluatedProperties;
      return;
    }
    if (node.additionalProperties === true) delete node.additionalProperties;
    if (!inPlace) node.unevaluatedProperties = false;
  });
  return copy;
}

const lowerCaseNames = (names: unknown[]): unknown[] =>
  names.map((name) => (typeof name === 'string' ? name.toLowerCase() : name));

/**
 * case-insensitive-property-names: the schema's property names lower-cased (properties,
 * required, dependentRequired), to validate an instance whose names are lower-cased too.
 */
export function lowerCasePropertyNames(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  const copy = structuredClone(schema);
  walk(copy, (node) => {
    if (isSchema(node.properties)) {
      node.properties = Object.fromEntries(Object.entries(node.properties).map(([name, value]) => [name.toLowerCase(), value]));
    }
    if (Array.isArray(node.required)) node.required = lowerCaseNames(node.required as unknown[]);
    if (isSchema(node.dependentRequired)) {
      node.dependentRequired = Object.fromEntries(
        Object.entries(node.dependentRequired).map(([name, list]) => [
          name.toLowerCase(),
          Array.isArray(list) ? lowerCaseNames(list as unknown[]) : list,
        ]),
      );
    }
  });
  return copy;
}

/** A parsed JSON instance with every property name lower-cased (the last of equal names wins). */
export function lowerCaseInstance(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerCaseInstance);
  if (!isSchema(value)) return value;
  const out: Schema = {};
  for (const [name, item] of Object.entries(value)) out[name.toLowerCase()] = lowerCaseInstance(item);
  return out;
}
