import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import type {
  OperationParameter,
  OperationRepresentation,
  OperationRequest,
  OperationResponse,
} from '../../../db/schema/index.js';
import type { ImportedOperation } from './imported-api.js';
import { escapeSegment, isJsonObject, unescapeSegment } from './openapi-pointer.js';
import { mapSubschemas } from './openapi-schema-walk.js';

/** The API-level fields an OpenAPI document carries. */
export interface ExportedApi {
  name: string;
  description: string;
  declaredVersion?: string;
  /** Backend URL; becomes `servers[0]`. */
  serviceUrl?: string;
  /** The API's path on the gateway; `servers[0]` is `/<path>` when there is no service URL. */
  path: string;
}

type JsonObject = Record<string, unknown>;

const OPENAPI_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const DEFS_PREFIX = '#/$defs/';

/**
 * Writes an API's operations as an OpenAPI 3.1 document that `importOpenApi` reads back to the
 * same operations. Recursive schemas, stored with `$defs` in each operation, are hoisted into
 * `components/schemas` under the same names: in an OpenAPI document a `#/$defs/…` reference
 * would resolve against the document, not the schema.
 *
 * @example
 * const yaml = exportOpenApi({ name: 'Pets', description: '', path: 'pets' }, operations, 'yaml');
 *
 * @throws RangeError for an operation whose method OpenAPI 3.1 cannot describe (e.g. `PROPFIND`).
 */
export function exportOpenApi(api: ExportedApi, operations: ImportedOperation[], format: 'json' | 'yaml'): string {
  const components = new SchemaComponents();
  const paths = new Map<string, JsonObject>();
  for (const operation of operations) {
    const method = operation.method.toLowerCase();
    if (!OPENAPI_METHODS.has(method)) {
      throw new RangeError(`operation '${operation.name}': OpenAPI 3.1 cannot describe the method ${operation.method}`);
    }
    const item = paths.get(operation.urlTemplate) ?? {};
    item[method] = exportOperation(operation, components);
    paths.set(operation.urlTemplate, item);
  }
  const server = api.serviceUrl ?? (api.path ? `/${api.path}` : undefined);
  const document = {
    openapi: '3.1.0',
    info: { title: api.name, ...(api.description ? { description: api.description } : {}), version: api.declaredVersion ?? '' },
    ...(server === undefined ? {} : { servers: [{ url: server }] }),
    paths: Object.fromEntries(paths),
    ...(components.isEmpty() ? {} : { components: { schemas: components.schemas } }),
  };
  // No aliases: operations share schema objects, and anchors would only make the output harder to read.
  return format === 'json'
    ? `${JSON.stringify(document, null, 2)}\n`
    : stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}

function exportOperation(operation: ImportedOperation, components: SchemaComponents): JsonObject {
  return {
    operationId: operation.name,
    ...(operation.description ? { description: operation.description } : {}),
    ...(operation.tags.length > 0 ? { tags: operation.tags } : {}),
    ...(operation.parameters.length > 0
      ? { parameters: operation.parameters.map((parameter) => exportParameter(parameter, components)) }
      : {}),
    ...(operation.request ? { requestBody: exportRequest(operation.request, components) } : {}),
    // OpenAPI 3.1 made `responses` optional.
    ...(operation.responses.length > 0
      ? {
          responses: Object.fromEntries(
            operation.responses.map((response) => [String(response.status), exportResponse(response, components)]),
          ),
        }
      : {}),
  };
}

function exportParameter(parameter: OperationParameter, components: SchemaComponents): JsonObject {
  return { name: parameter.name, in: parameter.in, ...parameterFields(parameter, components) };
}

/** Shared by parameters and headers; OpenAPI requires a schema (or content), and `{}` re-imports as none. */
function parameterFields(parameter: OperationParameter, components: SchemaComponents): JsonObject {
  return {
    ...(parameter.description ? { description: parameter.description } : {}),
    ...(parameter.required || parameter.in === 'path' ? { required: true } : {}),
    schema: parameter.schema === undefined ? {} : components.hoist(parameter.schema),
  };
}

function exportRequest(request: OperationRequest, components: SchemaComponents): JsonObject {
  return {
    ...(request.description ? { description: request.description } : {}),
    ...(request.required ? { required: true } : {}),
    content: exportContent(request.representations, components),
  };
}

function exportResponse(response: OperationResponse, components: SchemaComponents): JsonObject {
  const headers = response.headers ?? [];
  const representations = response.representations ?? [];
  return {
    // Required by OpenAPI; an empty one re-imports as none.
    description: response.description ?? '',
    ...(headers.length > 0
      ? { headers: Object.fromEntries(headers.map((header) => [header.name, parameterFields(header, components)])) }
      : {}),
    ...(representations.length > 0 ? { content: exportContent(representations, components) } : {}),
  };
}

function exportContent(representations: OperationRepresentation[], components: SchemaComponents): JsonObject {
  return Object.fromEntries(
    representations.map((representation) => [
      representation.contentType,
      {
        ...(representation.schema === undefined ? {} : { schema: components.hoist(representation.schema) }),
        ...(representation.examples
          ? { examples: Object.fromEntries(Object.entries(representation.examples).map(([name, value]) => [name, { value }])) }
          : {}),
      },
    ]),
  );
}

/** `components/schemas`, filled with the `$defs` of the schemas exported so far. */
class SchemaComponents {
  readonly schemas: JsonObject = {};

  isEmpty(): boolean {
    return Object.keys(this.schemas).length === 0;
  }

  /** The schema with its root `$defs` moved into components and its `#/$defs/X` references pointed there. */
  hoist(schema: unknown): unknown {
    if (!isJsonObject(schema) || !isJsonObject(schema.$defs)) return schema;
    const { $defs, ...rest } = schema;
    const names = this.place($defs);
    return rewriteDefsReferences(rest, names);
  }

  /**
   * Same name and same content (as within one import) share a component. A name held by
   * different content is renamed, which changes the referencing definitions too, so settle the
   * renames before writing anything.
   */
  private place(defs: JsonObject): Map<string, string> {
    const names = new Map(Object.keys(defs).map((name) => [name, name]));
    for (let settled = false; !settled;) {
      settled = true;
      for (const [name, definition] of Object.entries(defs)) {
        const target = names.get(name) ?? name;
        // hasOwn: a schema may be called `__proto__`.
        const existing = Object.hasOwn(this.schemas, target) ? this.schemas[target] : undefined;
        if (existing !== undefined && !isDeepStrictEqual(existing, rewriteDefsReferences(definition, names))) {
          names.set(name, this.freeName(name, names));
          settled = false;
        }
      }
    }
    for (const [name, definition] of Object.entries(defs)) {
      Object.defineProperty(this.schemas, names.get(name) ?? name, {
        value: rewriteDefsReferences(definition, names),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return names;
  }

  private freeName(name: string, pending: Map<string, string>): string {
    const used = new Set([...Object.keys(this.schemas), ...pending.values()]);
    let candidate = name;
    for (let n = 2; used.has(candidate); n++) candidate = `${name}${n}`;
    return candidate;
  }
}

function rewriteDefsReferences(schema: unknown, names: Map<string, string>): unknown {
  if (!isJsonObject(schema)) return schema;
  const mapped = mapSubschemas(schema, (subschema) => rewriteDefsReferences(subschema, names));
  if (typeof mapped.$ref !== 'string' || !mapped.$ref.startsWith(DEFS_PREFIX)) return mapped;
  const name = unescapeSegment(mapped.$ref.slice(DEFS_PREFIX.length));
  return { ...mapped, $ref: `#/components/schemas/${escapeSegment(names.get(name) ?? name)}` };
}
