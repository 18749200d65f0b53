import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ServiceKey } from '../../pipeline/policy-services.js';

// ajv-formats is CommonJS: under ESM its default import is the module, which exports itself as default.
const addFormats = addFormatsModule.default;

/** A schema compiled once: its validator, or why it cannot be used. */
export type CompiledSchema =
  | { readonly validate: ValidateFunction; readonly problem?: undefined }
  | { readonly validate?: undefined; readonly problem: string };

// Pipelines keep the validators they compiled; the cache only saves compiling a schema again for
// another operation or revision, so dropping its oldest entry costs a compile, never a validator.
const MAX_CACHED = 2_000;

/**
 * JSON schema validators shared by every validate-content statement of the process, keyed by
 * schema text: identical schemas across operations and revisions compile once. One ajv instance
 * (JSON Schema 2020-12, the dialect the control plane stores, with OpenAPI's formats); a schema
 * is removed from ajv once compiled, so that ajv itself keeps nothing per schema.
 */
export class SchemaValidators {
  readonly #ajv: Ajv2020;
  readonly #cache = new Map<string, CompiledSchema>();

  constructor() {
    // strict off: OpenAPI schemas carry keywords JSON Schema does not know (discriminator, xml,
    // example…). addUsedSchema off: two operations may share a schema $id.
    this.#ajv = new Ajv2020({ strict: false, logger: false, addUsedSchema: false, allErrors: false });
    addFormats(this.#ajv);
  }

  get size(): number {
    return this.#cache.size;
  }

  compile(schema: unknown): CompiledSchema {
    const key = JSON.stringify(schema);
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    let compiled: CompiledSchema;
    const copy = typeof schema === 'object' && schema !== null ? (JSON.parse(key) as object) : schema;
    try {
      // The dialect is always 2020-12 here; a $schema naming another would make ajv refuse it.
      if (typeof copy === 'object' && copy !== null) delete (copy as { $schema?: unknown }).$schema;
      compiled = { validate: this.#ajv.compile(copy as object) };
    } catch (error) {
      compiled = { problem: error instanceof Error ? error.message : String(error) };
    } finally {
      if (typeof copy === 'object' && copy !== null) this.#ajv.removeSchema(copy);
    }
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, compiled);
    return compiled;
  }
}

export const schemaValidators = new ServiceKey('validate-content schema validators', () => new SchemaValidators());

/** `at /items/0/sku: must be string`, with the property named for additional and required ones. */
export function describeSchemaError(error: ErrorObject): string {
  const at = error.instancePath === '' ? '/' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `at ${at}: property '${params.additionalProperty}' is not allowed`;
  }
  if (error.keyword === 'unevaluatedProperties' && typeof params.unevaluatedProperty === 'string') {
    return `at ${at}: property '${params.unevaluatedProperty}' is not allowed`;
  }
  return `at ${at}: ${error.message ?? error.keyword}`;
}
