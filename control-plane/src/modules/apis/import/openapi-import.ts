import { posix } from 'node:path';
import { isJsonObject } from './openapi-pointer.js';
import { ImportError, type ImportedApi, type ImportedOperation, type ImportIssue, type ImportSource } from './imported-api.js';
import { at, ImportContext, type OpenApiVersion } from './openapi-context.js';
import { readOperations } from './openapi-operations.js';
import { parseSourceFile, SourceSet, type Located, type SourceFile } from './openapi-source.js';

/**
 * Reads an OpenAPI 3.0/3.1 or Swagger 2.0 document, JSON or YAML, into the importer IR.
 * External `$ref`s are resolved from `source.files` only (keys relative to the main document);
 * nothing is read from disk or the network. Schemas come out self-contained (see SchemaTranslator).
 *
 * @example
 * const api = await importOpenApi({ fileName: 'petstore.yaml', text, files: { 'schemas/pet.yaml': petText } });
 * api.operations.find((operation) => operation.name === 'getPetById'); // { method: 'GET', urlTemplate: '/pet/{petId}', … }
 *
 * @throws ImportError with every problem found, each with its JSON pointer, line and (for other files) file.
 */
export function importOpenApi(source: ImportSource): Promise<ImportedApi> {
  // Importers share an async contract; this one needs no I/O, so the work runs synchronously inside it.
  return new Promise((resolve) => resolve(readOpenApi(source)));
}

function readOpenApi(source: ImportSource): ImportedApi {
  const fileName = source.fileName.replaceAll('\\', '/');
  const parsed = parseSourceFile(posix.basename(fileName) || 'openapi', source.text);
  if (!parsed.ok) throw new ImportError(parsed.issues);
  const version = detectVersion(parsed.file);
  const ctx = new ImportContext(version, new SourceSet(parsed.file, source.files ?? {}));
  const root = ctx.root();
  const info = readInfo(ctx, root, fileName);
  const server = version === '2.0' ? swaggerServer(ctx, root) : openApiServer(ctx, root);
  const operations = readPaths(ctx, root);
  const issues = [...ctx.issues, ...ctx.sources.fileIssues];
  if (issues.length > 0) throw new ImportError(inDocumentOrder(issues));
  return {
    type: 'http',
    ...info,
    ...server,
    sourceFormat: `${version === '2.0' ? 'swagger' : 'openapi'}-${parsed.file.syntax}`,
    operations,
    warnings: inDocumentOrder(ctx.warnings),
  };
}

/** Walks find problems in the order they read things; people read files top to bottom, the main file first. */
function inDocumentOrder(issues: ImportIssue[]): ImportIssue[] {
  return issues.toSorted((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
}

function detectVersion(main: SourceFile): OpenApiVersion {
  const fail = (pointer: string, message: string): never => {
    const line = main.lineOf(pointer);
    throw new ImportError([{ pointer, ...(line === undefined ? {} : { line }), message }]);
  };
  const root = main.value;
  if (!isJsonObject(root)) return fail('', 'not an OpenAPI or Swagger document: the top level is not an object');
  if (Object.hasOwn(root, 'openapi')) {
    const version = scalarText(main, '/openapi', root.openapi);
    if (/^3\.0\.\d+/.test(version)) return '3.0';
    if (/^3\.1\.\d+/.test(version)) return '3.1';
    return fail('/openapi', `unsupported OpenAPI version '${version}' (supported: 3.0.x, 3.1.x, and Swagger 2.0)`);
  }
  if (Object.hasOwn(root, 'swagger')) {
    const version = scalarText(main, '/swagger', root.swagger);
    return version === '2.0' ? '2.0' : fail('/swagger', `unsupported Swagger version '${version}' (supported: 2.0)`);
  }
  return fail('', "not an OpenAPI or Swagger document: it has no 'openapi' or 'swagger' member");
}

/** Versions are often left unquoted (`swagger: 2.0`, `version: 1.0`); the text as written is what was meant. */
function scalarText(file: SourceFile, pointer: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return file.scalarSource(pointer) ?? String(value);
  return '';
}

function readInfo(
  ctx: ImportContext,
  root: Located,
  fileName: string,
): Pick<ImportedApi, 'name' | 'description' | 'declaredVersion'> {
  const info = at(root, 'info');
  ctx.object(info);
  let name = ctx.string(at(info, 'title'))?.trim() ?? '';
  if (!name) {
    name = posix.basename(fileName).replace(/\.[^.]*$/, '') || 'API';
    ctx.warn(info.value === undefined ? root.loc : info.loc, `no info.title; the API is named '${name}' after the file`);
  }
  const version = at(info, 'version');
  const main = ctx.sources.main;
  return {
    name,
    description: ctx.text(at(info, 'description')),
    declaredVersion: scalarText(main, version.loc.pointer, version.value),
  };
}

type ServerLocation = Pick<ImportedApi, 'serviceUrl' | 'suggestedPath'>;
const NO_SERVER: ServerLocation = { serviceUrl: undefined, suggestedPath: '' };

function openApiServer(ctx: ImportContext, root: Located): ServerLocation {
  const [first] = ctx.array(at(root, 'servers'));
  if (!first || !ctx.object(first)) return NO_SERVER;
  const template = ctx.requiredString(first, 'url');
  if (template === undefined) return NO_SERVER;
  const missing: string[] = [];
  const url = template.replace(/\{([^{}]+)\}/g, (match, name: string) => {
    const value = ctx.string(at(first, 'variables', name, 'default'));
    if (value === undefined) missing.push(name);
    return value ?? match;
  });
  if (missing.length > 0) {
    ctx.warn(at(first, 'url').loc, `server variable '${missing.join("', '")}' has no default; no service URL is imported`);
    return NO_SERVER;
  }
  return serverLocation(ctx, at(first, 'url'), url);
}

function serverLocation(ctx: ImportContext, node: Located, url: string): ServerLocation {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      return { serviceUrl: url.replace(/\/+$/, ''), suggestedPath: trimSlashes(new URL(url).pathname) };
    } catch {
      ctx.warn(node.loc, `'${url}' is not a valid URL; no service URL is imported`);
      return NO_SERVER;
    }
  }
  // A relative server URL is relative to where the document is served: it names a path, not a backend.
  const path = url.startsWith('//') ? new URL(`https:${url}`).pathname : (url.split(/[?#]/)[0] ?? '');
  return { serviceUrl: undefined, suggestedPath: trimSlashes(path) };
}

function swaggerServer(ctx: ImportContext, root: Located): ServerLocation {
  const host = ctx.string(at(root, 'host'));
  const basePath = ctx.string(at(root, 'basePath')) ?? '';
  const schemes = ctx.array(at(root, 'schemes')).flatMap((scheme) => ctx.string(scheme) ?? []);
  // Without `schemes`, Swagger 2.0 means "the scheme the document was fetched with", unknown here.
  const scheme = schemes.includes('https') ? 'https' : (schemes[0] ?? 'https');
  return {
    serviceUrl: host ? `${scheme}://${host}${basePath}`.replace(/\/+$/, '') : undefined,
    suggestedPath: trimSlashes(basePath),
  };
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function readPaths(ctx: ImportContext, root: Located): ImportedOperation[] {
  for (const [name, webhook] of ctx.version === '3.1' ? ctx.members(at(root, 'webhooks')) : []) {
    ctx.warn(webhook.loc, `webhook '${name}' is not imported: webhooks are requests the API makes, not operations it serves`);
  }
  const paths = at(root, 'paths');
  if (paths.value === undefined) {
    // OpenAPI 3.1 allows documents of only webhooks or components; earlier versions require paths.
    if (ctx.version === '3.1') ctx.warn(root.loc, "no 'paths': the document describes no operations");
    else ctx.error(root.loc, "missing required 'paths'");
    return [];
  }
  const operations = readOperations(ctx, paths);
  if (operations.length === 0 && isJsonObject(paths.value)) ctx.warn(paths.loc, 'the document describes no operations');
  return operations;
}
