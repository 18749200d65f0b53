import { appendPointer, isJsonObject } from './openapi-pointer.js';
import type { ImportIssue } from './imported-api.js';
import { isReference, type Loc, type Located, type SourceSet } from './openapi-source.js';
import { SchemaTranslator } from './openapi-schema.js';

export type OpenApiVersion = '2.0' | '3.0' | '3.1';

export function at(node: Located, ...segments: (string | number)[]): Located {
  let value = node.value;
  for (const segment of segments) {
    if (Array.isArray(value) && typeof segment === 'number') value = value[segment];
    else if (isJsonObject(value) && Object.hasOwn(value, segment)) value = value[segment];
    else value = undefined;
  }
  return { value, loc: { file: node.loc.file, pointer: appendPointer(node.loc.pointer, ...segments) } };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * State of one import: the sources, the issues found so far and typed readers that report
 * wrong types where they are. Readers return `undefined` for absent values and, after
 * reporting, for wrong ones, so a walk goes on and collects every issue in one pass.
 */
export class ImportContext {
  readonly issues: ImportIssue[] = [];
  readonly warnings: ImportIssue[] = [];
  readonly schemas: SchemaTranslator;
  private readonly seen = new Set<string>();

  constructor(
    readonly version: OpenApiVersion,
    readonly sources: SourceSet,
  ) {
    this.schemas = new SchemaTranslator(this);
  }

  /** Shared definitions (path-level parameters, components) are walked once per use; each problem is reported once. */
  error(loc: Loc, message: string): void {
    this.record(this.issues, loc, message);
  }

  warn(loc: Loc, message: string): void {
    this.record(this.warnings, loc, message);
  }

  issue(loc: Loc, message: string): ImportIssue {
    const line = this.sources.file(loc.file)?.lineOf(loc.pointer);
    return {
      pointer: loc.pointer,
      ...(line === undefined ? {} : { line }),
      ...(loc.file === this.sources.main.key ? {} : { file: loc.file }),
      message,
    };
  }

  /** Follows Reference Objects (`$ref` to a parameter, response…) to what they designate. */
  deref(node: Located): Located | undefined {
    let current = node;
    const visited = new Set<string>();
    while (isReference(current.value)) {
      const key = `${current.loc.file}#${current.loc.pointer}`;
      if (visited.has(key)) {
        this.error(node.loc, 'circular $ref');
        return undefined;
      }
      visited.add(key);
      const target = this.sources.resolve(current.value.$ref, current.loc);
      if (typeof target === 'string') {
        this.error(at(current, '$ref').loc, target);
        return undefined;
      }
      current = target;
    }
    return current;
  }

  object(node: Located): Record<string, unknown> | undefined {
    return this.expect(node, 'an object', isJsonObject);
  }

  array(node: Located): Located[] {
    return (this.expect(node, 'an array', Array.isArray) ?? []).map((_, index) => at(node, index));
  }

  string(node: Located): string | undefined {
    return this.expect(node, 'a string', (value): value is string => typeof value === 'string');
  }

  boolean(node: Located): boolean | undefined {
    return this.expect(node, 'a boolean', (value): value is boolean => typeof value === 'boolean');
  }

  /** The main document's top level. */
  root(): Located {
    return { value: this.sources.main.value, loc: { file: this.sources.main.key, pointer: '' } };
  }

  /** A string member the specification requires; its absence is reported on the object that lacks it. */
  requiredString(node: Located, key: string): string | undefined {
    const member = at(node, key);
    if (member.value === undefined) this.error(node.loc, `missing required '${key}'`);
    return this.string(member);
  }

  /** A description or summary, trimmed; '' when absent. */
  text(node: Located): string {
    return this.string(node)?.trim() ?? '';
  }

  /** An object's members as located values; none when absent or not an object. */
  members(node: Located): [string, Located][] {
    const value = this.object(node);
    return value ? Object.keys(value).map((key) => [key, at(node, key)]) : [];
  }

  /** A dereferenced object, or `undefined` (reported) when it cannot be had. */
  resolvedObject(node: Located): { node: Located; value: Record<string, unknown> } | undefined {
    const target = this.deref(node);
    const value = target && this.object(target);
    return target && value ? { node: target, value } : undefined;
  }

  private expect<T>(node: Located, expected: string, test: (value: unknown) => value is T): T | undefined {
    if (node.value === undefined) return undefined;
    if (test(node.value)) return node.value;
    this.error(node.loc, `expected ${expected}, found ${typeName(node.value)}`);
    return undefined;
  }

  private record(list: ImportIssue[], loc: Loc, message: string): void {
    const key = `${loc.file}#${loc.pointer}\n${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    list.push(this.issue(loc, message));
  }
}
