import type { ImportedOperation } from './imported-api.js';
import { at, type ImportContext } from './openapi-context.js';
import {
  checkPathParameters,
  mergeParameters,
  readParameterList,
  templateParameters,
  type DeclaredParameter,
} from './openapi-parameters.js';
import type { Loc, Located } from './openapi-source.js';
import { readOperationV3 } from './openapi-v3.js';
import { readOperationV2 } from './swagger-v2.js';

const METHODS_V3 = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const METHODS_V2 = METHODS_V3.filter((method) => method !== 'trace');
/** Path item members that are not operations (2.0 has fewer; tolerating the 3.x ones there costs nothing). */
const PATH_ITEM_FIELDS = new Set(['$ref', 'summary', 'description', 'servers', 'parameters']);

interface Draft {
  operationId: string | undefined;
  operationIdLoc: Loc;
  operation: Omit<ImportedOperation, 'name'>;
}

/** The operations of a Paths object, in document order, each named (operationId or generated). */
export function readOperations(ctx: ImportContext, paths: Located): ImportedOperation[] {
  const drafts: Draft[] = [];
  const routes = new Map<string, string>();
  for (const [path, item] of ctx.members(paths)) {
    if (!path.startsWith('x-')) drafts.push(...readPathItem(ctx, path, item, routes));
  }
  return nameOperations(ctx, drafts);
}

function readPathItem(ctx: ImportContext, path: string, itemNode: Located, routes: Map<string, string>): Draft[] {
  if (!path.startsWith('/')) {
    ctx.error(itemNode.loc, `path '${path}' must start with '/'`);
    return [];
  }
  const template = templateParameters(path);
  if (typeof template === 'string') {
    ctx.error(itemNode.loc, template);
    return [];
  }
  const item = ctx.resolvedObject(itemNode);
  if (!item) return [];
  const shared = readParameterList(ctx, at(item.node, 'parameters'));
  const methods = ctx.version === '2.0' ? METHODS_V2 : METHODS_V3;
  const drafts: Draft[] = [];
  for (const [key, operation] of ctx.members(item.node)) {
    if (PATH_ITEM_FIELDS.has(key) || key.startsWith('x-')) continue;
    if (!methods.includes(key)) {
      ctx.error(operation.loc, `'${key}' is not an HTTP method OpenAPI ${ctx.version} allows here (${methods.join(', ')})`);
      continue;
    }
    checkRoute(ctx, routes, key, path, operation.loc);
    const draft = readOperation(ctx, { path, template, method: key, shared }, operation);
    if (draft) drafts.push(draft);
  }
  return drafts;
}

/** `/pets/{id}` and `/pets/{petId}` are the same route: OpenAPI forbids both, and a router could not tell them apart. */
function checkRoute(ctx: ImportContext, routes: Map<string, string>, method: string, path: string, loc: Loc): void {
  const route = `${method} ${path.replace(/\{[^{}]*\}/g, '{}')}`;
  const first = routes.get(route);
  if (first === undefined) routes.set(route, path);
  else ctx.error(loc, `${method.toUpperCase()} ${path} is the same route as ${method.toUpperCase()} ${first}`);
}

interface PathContext {
  path: string;
  template: string[];
  method: string;
  shared: DeclaredParameter[];
}

function readOperation(ctx: ImportContext, where: PathContext, node: Located): Draft | undefined {
  if (!ctx.object(node)) return undefined;
  const parameters = mergeParameters(where.shared, readParameterList(ctx, at(node, 'parameters')));
  checkPathParameters(ctx, where.path, where.template, parameters, node.loc);
  const shape = ctx.version === '2.0' ? readOperationV2(ctx, node, parameters) : readOperationV3(ctx, node, parameters);
  const operationId = ctx.string(at(node, 'operationId'));
  return {
    operationId: operationId === '' ? undefined : operationId,
    operationIdLoc: at(node, 'operationId').loc,
    operation: {
      description: describe(ctx, node),
      method: where.method.toUpperCase(),
      urlTemplate: where.path,
      ...shape,
      tags: ctx.array(at(node, 'tags')).flatMap((tag) => ctx.string(tag) ?? []),
      binding: null,
    },
  };
}

/** The IR has one description: the summary, then the description when both say something. */
function describe(ctx: ImportContext, node: Located): string {
  const summary = ctx.text(at(node, 'summary'));
  const description = ctx.text(at(node, 'description'));
  return summary && description && summary !== description ? `${summary}\n\n${description}` : description || summary;
}

/**
 * operationIds are kept verbatim and must be unique. Operations without one are named from
 * method and path (`GET /pets/{id}` → `get-pets-id`), which is stable across re-imports of the
 * same document; a name already taken gets `-2`, `-3`… in document order.
 */
function nameOperations(ctx: ImportContext, drafts: Draft[]): ImportedOperation[] {
  const firstById = new Map<string, Loc>();
  for (const { operationId, operationIdLoc } of drafts) {
    if (operationId === undefined) continue;
    const first = firstById.get(operationId);
    if (first) ctx.error(operationIdLoc, `duplicate operationId '${operationId}' (first used at ${first.pointer})`);
    else firstById.set(operationId, operationIdLoc);
  }
  const taken = new Set(firstById.keys());
  return drafts.map(({ operationId, operation }) => ({
    name: operationId ?? uniqueName(generatedName(operation.method, operation.urlTemplate), taken),
    ...operation,
  }));
}

function generatedName(method: string, path: string): string {
  return `${method}${path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}
