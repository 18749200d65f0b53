import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { appendPointer, isJsonObject, listOf, pointerSegments } from './openapi-pointer.js';
import { mapSubschemas, subschemas } from './openapi-schema-walk.js';
import type { ImportContext, OpenApiVersion } from './openapi-context.js';
import { isReference, type Loc, type Located } from './openapi-source.js';

type JsonObject = Record<string, unknown>;

interface Expansion {
  schema: unknown;
  /** Recursive targets the schema refers to through `#/$defs/…`. */
  defs: Set<string>;
}

const locKey = (loc: Loc): string => `${loc.file}#${loc.pointer}`;
const locAt = (loc: Loc, path: (string | number)[]): Loc => ({ file: loc.file, pointer: appendPointer(loc.pointer, ...path) });

/**
 * Turns OpenAPI schemas into self-contained JSON Schema (2020-12, the dialect of OpenAPI 3.1).
 *
 * Every `$ref` is replaced by what it designates, except references to recursive schemas:
 * inlining those never ends. A schema is recursive when it sits on a cycle of references
 * (its strongly connected component in the reference graph has a cycle). Each recursive
 * schema is written once into the root's `$defs` and referenced as `#/$defs/<Name>`, so the
 * stored schema stays a valid, complete JSON Schema that validators and mock generators can
 * use as is. Because every schema on a cycle is treated the same whichever operation reaches
 * it, a recursive schema's content is the same in every operation (names are unique per
 * import), which lets export hoist them into `components/schemas` without conflicts.
 */
export class SchemaTranslator {
  /** `$ref` location → target key, or null when it cannot be resolved (reported once). */
  private readonly references = new Map<string, string | null>();
  private readonly targets = new Map<string, Located>();
  private readonly edges = new Map<string, string[]>();
  private readonly expansions = new Map<string, Expansion>();
  private readonly names = new Map<string, string>();
  private readonly takenNames = new Set<string>();
  private readonly recursive = new Set<string>();
  // Tarjan's state, kept across calls: components found earlier are complete and never revisited.
  private readonly order = new Map<string, number>();
  private readonly lowLink = new Map<string, number>();
  private readonly stack: string[] = [];
  private readonly onStack = new Set<string>();

  constructor(private readonly ctx: ImportContext) {}

  /** A self-contained copy of the schema at `node`; callers may mutate it. */
  translate(node: Located): unknown {
    if (node.value === undefined) return undefined;
    const defs = new Set<string>();
    const schema = this.expand(node.value, node.loc, defs);
    if (defs.size === 0 || !isJsonObject(schema)) return structuredClone(schema);
    const own: [string, unknown][] = isJsonObject(schema.$defs) ? Object.entries(schema.$defs) : [];
    const added = this.closure(defs).map((key): [string, unknown] => [this.name(key), this.expansion(key).schema]);
    return structuredClone({ ...schema, $defs: Object.fromEntries([...own, ...added]) });
  }

  private expand(value: unknown, loc: Loc, defs: Set<string>): unknown {
    if (typeof value === 'boolean') return value;
    if (!isJsonObject(value)) {
      this.ctx.error(loc, 'expected a schema (an object or a boolean)');
      return {};
    }
    if (isReference(value)) return this.expandReference(value, loc, defs);
    const mapped = mapSubschemas(value, (subschema, path) => this.expand(subschema, locAt(loc, path), defs));
    return normalizeDialect(mapped, this.ctx.version);
  }

  private expandReference(value: { $ref: string } & JsonObject, loc: Loc, defs: Set<string>): unknown {
    const key = this.targetKey(value.$ref, loc);
    let target: unknown = {};
    if (key !== undefined && this.isRecursive(key)) {
      defs.add(key);
      target = { $ref: `#/$defs/${this.name(key)}` };
    } else if (key !== undefined) {
      const expansion = this.expansion(key);
      for (const def of expansion.defs) defs.add(def);
      target = expansion.schema;
    }
    const siblings = this.siblings(value);
    if (!siblings) return target;
    const rest = this.expand(siblings, loc, defs) as JsonObject;
    // allOf keeps both the target's and the siblings' constraints without merging keywords that may clash.
    return { ...rest, allOf: [target, ...listOf(rest.allOf)] };
  }

  /** JSON Schema 2020-12 (OpenAPI 3.1) applies keywords beside `$ref`; earlier dialects ignore them. */
  private siblings(value: { $ref: string } & JsonObject): JsonObject | undefined {
    if (this.ctx.version !== '3.1') return undefined;
    const { $ref: _ref, ...rest } = value;
    return Object.keys(rest).length > 0 ? rest : undefined;
  }

  private targetKey(ref: string, loc: Loc): string | undefined {
    const known = this.references.get(locKey(loc));
    if (known !== undefined) return known ?? undefined;
    const target = this.follow(ref, loc);
    const key = target && locKey(target.loc);
    if (target && key) this.targets.set(key, target);
    this.references.set(locKey(loc), key ?? null);
    return key;
  }

  /** Resolves a reference, going through pure aliases (`{ $ref }` alone) to the schema at the end of the chain. */
  private follow(ref: string, loc: Loc): Located | undefined {
    const visited = new Set([locKey(loc)]);
    let from = loc;
    let target = this.ctx.sources.resolve(ref, loc);
    for (;;) {
      if (typeof target === 'string') {
        this.ctx.error(locAt(from, ['$ref']), target);
        return undefined;
      }
      if (!isReference(target.value) || this.siblings(target.value)) return target;
      if (visited.has(locKey(target.loc))) {
        this.ctx.error(locAt(loc, ['$ref']), 'circular $ref: the chain of references never reaches a schema');
        return undefined;
      }
      visited.add(locKey(target.loc));
      from = target.loc;
      target = this.ctx.sources.resolve(target.value.$ref, target.loc);
    }
  }

  private expansion(key: string): Expansion {
    const cached = this.expansions.get(key);
    if (cached) return cached;
    const target = this.target(key);
    const defs = new Set<string>();
    const expansion = { schema: this.expand(target.value, target.loc, defs), defs };
    this.expansions.set(key, expansion);
    return expansion;
  }

  /** The recursive targets a root needs in `$defs`: those it uses and those they use. */
  private closure(keys: Set<string>): string[] {
    const out = new Set<string>();
    const pending = [...keys];
    for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
      if (out.has(key)) continue;
      out.add(key);
      pending.push(...this.expansion(key).defs);
    }
    return [...out];
  }

  /** `$defs` names come from the target (`#/components/schemas/Node` → `Node`), made unique across the import. */
  private name(key: string): string {
    const known = this.names.get(key);
    if (known) return known;
    const { loc } = this.target(key);
    const last = pointerSegments(loc.pointer).at(-1) ?? posix.basename(loc.file).replace(/\.[^.]*$/, '');
    const base = last.replace(/[^A-Za-z0-9_.-]/g, '_') || 'schema';
    let name = base;
    for (let n = 2; this.takenNames.has(name); n++) name = `${base}${n}`;
    this.takenNames.add(name);
    this.names.set(key, name);
    return name;
  }

  private target(key: string): Located {
    const target = this.targets.get(key);
    if (!target) throw new Error(`unknown schema target ${key}`);
    return target;
  }

  private isRecursive(key: string): boolean {
    if (!this.order.has(key)) this.connect(key);
    return this.recursive.has(key);
  }

  /** Tarjan's strongly connected components over the reference graph, discovered lazily. */
  private connect(key: string): void {
    const index = this.order.size;
    this.order.set(key, index);
    this.lowLink.set(key, index);
    this.stack.push(key);
    this.onStack.add(key);
    for (const next of this.referencesFrom(key)) {
      if (!this.order.has(next)) {
        this.connect(next);
        this.lowLink.set(key, Math.min(this.low(key), this.low(next)));
      } else if (this.onStack.has(next)) {
        this.lowLink.set(key, Math.min(this.low(key), this.order.get(next) ?? index));
      }
    }
    if (this.low(key) !== index) return;
    const component: string[] = [];
    for (let member = this.stack.pop(); member !== undefined; member = this.stack.pop()) {
      this.onStack.delete(member);
      component.push(member);
      if (member === key) break;
    }
    if (component.length > 1 || this.referencesFrom(key).includes(key))
      for (const member of component) this.recursive.add(member);
  }

  private low(key: string): number {
    return this.lowLink.get(key) ?? 0;
  }

  private referencesFrom(key: string): string[] {
    let out = this.edges.get(key);
    if (!out) {
      out = [];
      const target = this.target(key);
      this.collectReferences(target.value, target.loc, out);
      this.edges.set(key, out);
    }
    return out;
  }

  private collectReferences(value: unknown, loc: Loc, out: string[]): void {
    if (!isJsonObject(value)) return;
    if (isReference(value)) {
      const key = this.targetKey(value.$ref, loc);
      if (key !== undefined) out.push(key);
      const siblings = this.siblings(value);
      if (siblings) this.collectReferences(siblings, loc, out);
      return;
    }
    for (const { path, schema } of subschemas(value)) this.collectReferences(schema, locAt(loc, path), out);
  }
}

/** OpenAPI 2.0/3.0 schema keywords rewritten as their JSON Schema 2020-12 equivalents; `example` for every version. */
function normalizeDialect(schema: JsonObject, version: OpenApiVersion): JsonObject {
  const out = exampleAsExamples(schema);
  if (version === '3.1') return out;
  return nullable(fileType(discriminator(exclusiveBounds(out))));
}

function exampleAsExamples(schema: JsonObject): JsonObject {
  if (!Object.hasOwn(schema, 'example')) return schema;
  const { example, ...rest } = schema;
  const others = listOf(rest.examples).filter((other) => !isDeepStrictEqual(other, example));
  return { ...rest, examples: [example, ...others] };
}

/** Draft 4 booleans (`exclusiveMaximum: true` beside `maximum`) became numbers in draft 6. */
function exclusiveBounds(schema: JsonObject): JsonObject {
  let out = schema;
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    const { [flag]: exclusive, ...rest } = out;
    if (exclusive === true && typeof rest[bound] === 'number') {
      const { [bound]: value, ...others } = rest;
      out = { ...others, [flag]: value };
    } else {
      out = rest;
    }
  }
  return out;
}

/** Swagger 2.0 `type: file` is a binary string. */
function fileType(schema: JsonObject): JsonObject {
  return schema.type === 'file' ? { ...schema, type: 'string', format: 'binary' } : schema;
}

/** Swagger 2.0 names the discriminating property; OpenAPI 3 wraps it in an object. */
function discriminator(schema: JsonObject): JsonObject {
  return typeof schema.discriminator === 'string' ? { ...schema, discriminator: { propertyName: schema.discriminator } } : schema;
}

function nullable(schema: JsonObject): JsonObject {
  if (!Object.hasOwn(schema, 'nullable') && !Object.hasOwn(schema, 'x-nullable')) return schema;
  const { nullable: isNullable, 'x-nullable': isXNullable, ...rest } = schema;
  if (isNullable !== true && isXNullable !== true) return rest;
  if (typeof rest.type === 'string' || Array.isArray(rest.type)) {
    const types: unknown[] = [rest.type].flat();
    const values = listOf(rest.enum);
    const enumeration = Array.isArray(rest.enum) && !values.includes(null) ? { enum: [...values, null] } : {};
    return { ...rest, type: types.includes('null') ? types : [...types, 'null'], ...enumeration };
  }
  // 3.0.3 says `nullable` without `type` does nothing, yet authors put it beside `allOf: [$ref]` to mean "or null".
  return { anyOf: [rest, { type: 'null' }] };
}
