import { isDeepStrictEqual } from 'node:util';
import type { OperationParameter } from '../../../db/schema/index.js';
import { isJsonObject, listOf } from './openapi-pointer.js';
import { at, type ImportContext } from './openapi-context.js';
import type { Loc, Located } from './openapi-source.js';

/** A parameter as declared, before it is translated for its version and location. */
export interface DeclaredParameter {
  name: string;
  in: string;
  /** `in` + name; header names compare case-insensitively (RFC 9110). */
  key: string;
  node: Located;
  value: Record<string, unknown>;
}

/** A `parameters` list (path item or operation), dereferenced; duplicates are reported and dropped. */
export function readParameterList(ctx: ImportContext, list: Located): DeclaredParameter[] {
  const out = new Map<string, DeclaredParameter>();
  for (const item of ctx.array(list)) {
    const resolved = ctx.resolvedObject(item);
    if (!resolved) continue;
    const name = ctx.requiredString(resolved.node, 'name');
    const location = ctx.requiredString(resolved.node, 'in');
    if (name === undefined || location === undefined) continue;
    const key = `${location}:${location === 'header' ? name.toLowerCase() : name}`;
    if (out.has(key)) ctx.error(item.loc, `duplicate parameter '${name}' in ${location}`);
    else out.set(key, { name, in: location, key, node: resolved.node, value: resolved.value });
  }
  return [...out.values()];
}

/** Operation-level parameters override path-level ones with the same name and location, in place. */
export function mergeParameters(pathLevel: DeclaredParameter[], operationLevel: DeclaredParameter[]): DeclaredParameter[] {
  const merged = new Map(pathLevel.map((parameter) => [parameter.key, parameter]));
  for (const parameter of operationLevel) merged.set(parameter.key, parameter);
  return [...merged.values()];
}

/** The parameter names of a path template (`/pets/{id}` → `['id']`), or why the template is malformed. */
export function templateParameters(path: string): string[] | string {
  const names: string[] = [];
  const rest = path.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    names.push(name);
    return '';
  });
  if (/[{}]/.test(rest)) return `malformed path template '${path}': unbalanced braces`;
  if (names.includes('')) return `malformed path template '${path}': empty parameter name`;
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) return `malformed path template '${path}': '{${duplicate}}' appears twice`;
  return names;
}

/** Every `{name}` in the template must be declared `in: path`, and every path parameter must be in the template. */
export function checkPathParameters(
  ctx: ImportContext,
  path: string,
  template: string[],
  parameters: DeclaredParameter[],
  operation: Loc,
): void {
  const declared = parameters.filter((parameter) => parameter.in === 'path');
  for (const name of template) {
    if (!declared.some((parameter) => parameter.name === name)) {
      ctx.error(operation, `path parameter '{${name}}' of '${path}' is not declared as a parameter 'in: path'`);
    }
  }
  for (const parameter of declared) {
    if (!template.includes(parameter.name)) {
      ctx.error(parameter.node.loc, `path parameter '${parameter.name}' does not appear in the path template '${path}'`);
    }
  }
}

/** The IR form shared by parameters and response headers. */
export function operationParameter(
  ctx: ImportContext,
  name: string,
  location: OperationParameter['in'],
  node: Located,
  schema: unknown,
): OperationParameter {
  const value = isJsonObject(node.value) ? node.value : {};
  if (location === 'path' && value.required !== true) {
    ctx.warn(node.loc, `path parameter '${name}' must be required; imported as required`);
  }
  const description = ctx.text(at(node, 'description'));
  return {
    name,
    in: location,
    required: location === 'path' || value.required === true,
    ...(description ? { description } : {}),
    // `{}` allows anything, as an absent schema does; one spelling keeps export and re-import stable.
    ...(schema === undefined || isDeepStrictEqual(schema, {}) ? {} : { schema }),
  };
}

/** A parameter's examples go into its schema's `examples` (JSON Schema has nowhere else for them). */
export function withExamples(schema: unknown, examples: unknown[]): unknown {
  if (examples.length === 0) return schema;
  const base = schema === undefined || schema === true ? {} : schema;
  if (!isJsonObject(base)) return schema;
  const merged: unknown[] = [];
  for (const example of [...examples, ...listOf(base.examples)]) {
    if (!merged.some((other) => isDeepStrictEqual(other, example))) merged.push(example);
  }
  return { ...base, examples: merged };
}

/**
 * Named examples of a media type, parameter or header: `example` is named `default`, each of
 * `examples` keeps its name and its value. External values are not fetched.
 */
export function readExamples(ctx: ImportContext, node: Located): [string, unknown][] {
  const out: [string, unknown][] = [];
  const example = at(node, 'example');
  if (example.value !== undefined) out.push(['default', example.value]);
  for (const [name, exampleNode] of ctx.members(at(node, 'examples'))) {
    const resolved = ctx.resolvedObject(exampleNode);
    if (!resolved) continue;
    if (Object.hasOwn(resolved.value, 'value')) out.push([name, resolved.value.value]);
    else if (resolved.value.externalValue !== undefined) {
      ctx.warn(exampleNode.loc, `example '${name}' is not imported: external example values are not fetched`);
    }
  }
  return out;
}
