import { posix } from 'node:path';
import protobuf from 'protobufjs';
import descriptorJson from 'protobufjs/google/protobuf/descriptor.json' with { type: 'json' };
import { ImportError, type ImportIssue, type ImportSource } from './imported-api.js';

/** A parsed .proto file set: one root holding every definition, and what came from the main file. */
export interface ProtoFileSet {
  root: protobuf.Root;
  /** Services declared in the main file, in declaration order; imported files' services are not the API's. */
  services: protobuf.Service[];
  packageName: string | undefined;
  /** Source text by file key, to find lines for problems found after parsing. */
  texts: Map<string, string>;
  /** Imports that were neither uploaded nor bundled; harmless unless a type from them is used. */
  missingImports: ImportIssue[];
}

type JsonNamespace = { nested?: Record<string, protobuf.AnyNestedObject> };

/**
 * Well-known types bundled with protobufjs (any, duration, timestamp, wrappers, struct, empty,
 * field_mask) plus descriptor.proto, which custom option declarations import. Everything else
 * must be uploaded: files are never read from disk or fetched.
 */
const BUNDLED: Record<string, JsonNamespace> = {
  ...(protobuf.common as unknown as Record<string, JsonNamespace>),
  'google/protobuf/descriptor.proto': descriptorJson,
};

// keepCase: field names stay as written; the JSON Schema derives JSON names the way protoc does.
const PARSE_OPTIONS: protobuf.IParseOptions = { keepCase: true, alternateCommentMode: true };

/**
 * Parses the main .proto and, transitively, its imports from `source.files`. An import path is
 * looked up as written (relative to a proto root, as protoc's -I does), then against each
 * directory enclosing the main file, then as an unambiguous suffix, so an upload of the whole
 * tree and one of flat sibling files both resolve.
 */
export function loadProtoFiles(source: ImportSource): ProtoFileSet {
  const root = new protobuf.Root();
  const mainKey = source.fileName.replaceAll('\\', '/');
  const texts = new Map([[mainKey, source.text]]);
  const main = parseInto(root, mainKey, source.text);
  const services = collectServices(root);
  const loader = { root, source, mainKey, texts, missing: [] as ImportIssue[], loaded: new Set([mainKey]) };
  for (const path of importsOf(main)) loadImport(loader, path, mainKey);
  return { root, services, packageName: main.package, texts, missingImports: loader.missing };
}

interface Loader {
  root: protobuf.Root;
  source: ImportSource;
  mainKey: string;
  texts: Map<string, string>;
  missing: ImportIssue[];
  loaded: Set<string>;
}

function importsOf(result: protobuf.IParserResult): string[] {
  return [...(result.imports ?? []), ...(result.weakImports ?? [])];
}

function loadImport(loader: Loader, path: string, fromKey: string): void {
  const key = uploadedKey(loader, path);
  const resolved = key ?? path;
  if (loader.loaded.has(resolved)) return;
  loader.loaded.add(resolved);
  if (key === undefined) {
    const bundled = BUNDLED[path];
    if (bundled) loader.root.addJSON(bundled.nested ?? {});
    else loader.missing.push(importIssue(loader, fromKey, path));
    return;
  }
  const text = loader.source.files?.[key] as string;
  loader.texts.set(key, text);
  const result = parseInto(loader.root, key, text);
  for (const next of importsOf(result)) loadImport(loader, next, key);
}

function uploadedKey(loader: Loader, path: string): string | undefined {
  const files = loader.source.files ?? {};
  const candidates = [path];
  for (let dir = posix.dirname(loader.mainKey); dir !== '.' && dir !== '/'; dir = posix.dirname(dir)) {
    candidates.push(posix.join(dir, path));
  }
  const exact = candidates.find((candidate) => files[candidate] !== undefined);
  if (exact !== undefined) return exact;
  // Files uploaded flat (empty.proto beside test.proto) still satisfy `import "grpc/testing/empty.proto"`
  // when exactly one uploaded path is a suffix of the import path.
  const suffixes = Object.keys(files).filter((key) => path.endsWith(`/${key.replace(/^\.\//, '')}`));
  return suffixes.length === 1 ? suffixes[0] : undefined;
}

function importIssue(loader: Loader, fromKey: string, path: string): ImportIssue {
  const text = loader.texts.get(fromKey) ?? '';
  return {
    pointer: `/imports/${path}`,
    line: lineOf(text, new RegExp(`import\\s+(?:weak\\s+|public\\s+)?["']${escapeRegExp(path)}["']`)),
    file: fromKey,
    message: `imported file '${path}' is not among the uploaded files`,
  };
}

function parseInto(root: protobuf.Root, key: string, text: string): protobuf.IParserResult {
  // protobufjs stamps `filename` on what it parses from this static; parsing is synchronous.
  (protobuf.parse as unknown as { filename: string | null }).filename = key;
  try {
    return protobuf.parse(text, root, PARSE_OPTIONS);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = /line (\d+)\)/.exec(message)?.[1];
    const cleaned = message.replace(/\s*\((?:[^()]*, )?line \d+\)$/, '');
    throw new ImportError([
      { pointer: '', line: line ? Number(line) : duplicateLine(text, message), file: key, message: cleaned },
    ]);
  }
}

/** protobufjs reports a duplicate definition without a line; the second declaration of the name is the culprit. */
function duplicateLine(text: string, message: string): number | undefined {
  const name = /duplicate name '([^']+)'/.exec(message)?.[1];
  if (name === undefined) return undefined;
  const declarations = [...text.matchAll(new RegExp(`\\b(?:message|enum|service|rpc)\\s+${escapeRegExp(name)}\\b`, 'g'))];
  const second = declarations[1];
  return second ? text.slice(0, second.index).split('\n').length : undefined;
}

function collectServices(namespace: protobuf.NamespaceBase): protobuf.Service[] {
  return namespace.nestedArray.flatMap((nested) => {
    if (nested instanceof protobuf.Service) return [nested];
    return nested instanceof protobuf.Namespace || nested instanceof protobuf.Type ? collectServices(nested) : [];
  });
}

/** 1-based line of the first match of `pattern` in `text`, or undefined. */
export function lineOf(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  return match ? text.slice(0, match.index).split('\n').length : undefined;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
