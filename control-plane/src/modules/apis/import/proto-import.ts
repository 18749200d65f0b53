import protobuf from 'protobufjs';
import type { OperationRepresentation } from '../../../db/schema/index.js';
import { ImportError, type ImportedApi, type ImportedOperation, type ImportIssue, type ImportSource } from './imported-api.js';
import { escapeRegExp, lineOf, loadProtoFiles, type ProtoFileSet } from './proto-files.js';
import { ProtoSchemaConverter } from './proto-json-schema.js';

/**
 * Imports a .proto file as a gRPC API: one operation per RPC of each service the file declares
 * (services of imported files are not part of it), each `POST /<package>.<Service>/<Method>` —
 * the path every gRPC call uses (gRPC over HTTP/2 spec) — with its streaming kinds in the
 * binding. gRPC clients cannot add a path prefix, so the suggested API path is always ''.
 *
 * @example
 *   const api = await importProto({ fileName: 'health.proto', text });
 *   api.operations.map((o) => o.urlTemplate); // ['/grpc.health.v1.Health/Check', …]
 */
export function importProto(source: ImportSource): Promise<ImportedApi> {
  return new Promise((resolve) => resolve(readProto(source)));
}

const GRPC_CONTENT_TYPE = 'application/grpc';

function readProto(source: ImportSource): ImportedApi {
  const files = loadProtoFiles(source);
  resolveTypes(files);
  const [firstService, ...otherServices] = files.services;
  if (!firstService) {
    throw new ImportError([
      { pointer: '/services', file: source.fileName, message: 'the file declares no service, so there is no RPC to import' },
    ]);
  }
  const warnings: ImportIssue[] = files.missingImports.map((issue) => ({
    ...issue,
    message: `${issue.message}; nothing the API uses comes from it, so it was skipped`,
  }));
  const operations = files.services.flatMap((service) => {
    if (service.methodsArray.length === 0) warnings.push(serviceIssue(files, service, 'the service declares no RPC'));
    return service.methodsArray.map((method) => operationOf(service, method));
  });
  return {
    type: 'grpc',
    name: files.packageName ?? (otherServices.length === 0 ? firstService.name : baseName(source.fileName)),
    description: otherServices.length === 0 ? (firstService.comment ?? '') : '',
    declaredVersion: versionOf(files.packageName),
    serviceUrl: undefined,
    suggestedPath: '',
    sourceFormat: 'protobuf',
    operations,
    warnings,
  };
}

/**
 * Resolves every type reference, reporting each unresolved one where it is written. protobufjs's
 * own `resolveAll` stops at the first and says neither file nor line.
 */
function resolveTypes(files: ProtoFileSet): void {
  const issues: ImportIssue[] = [];
  const attempt = (object: protobuf.ReflectionObject, pointer: string, typeName: string) => {
    try {
      object.resolve();
    } catch (error) {
      const file = object.filename ?? object.parent?.filename ?? '';
      const line = lineOf(files.texts.get(file) ?? '', new RegExp(`(?<![\\w.])\\.?${escapeRegExp(typeName)}(?![\\w.])`));
      issues.push({ pointer, file, line, message: error instanceof Error ? error.message : String(error) });
    }
  };
  visit(files.root, (object) => {
    if (object instanceof protobuf.Type) {
      for (const field of object.fieldsArray) attempt(field, `/messages/${plainName(object)}/fields/${field.name}`, field.type);
    } else if (object instanceof protobuf.Service) {
      for (const method of object.methodsArray) {
        const pointer = `/services/${plainName(object)}/methods/${method.name}`;
        const missing = [method.requestType, method.responseType].find((name) => !object.lookup(name));
        attempt(method, pointer, missing ?? method.requestType);
      }
    }
  });
  if (issues.length > 0) throw new ImportError([...issues, ...files.missingImports]);
  try {
    // What the walk above does not reach (extensions, options) still has to resolve.
    files.root.resolveAll();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ImportError([{ pointer: '', message }, ...files.missingImports]);
  }
}

function visit(namespace: protobuf.NamespaceBase, onObject: (object: protobuf.ReflectionObject) => void): void {
  for (const nested of namespace.nestedArray) {
    onObject(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested, onObject);
  }
}

function operationOf(service: protobuf.Service, method: protobuf.Method): ImportedOperation {
  const serviceName = plainName(service);
  // resolveTypes has resolved every method, so both types are set.
  const input = method.resolvedRequestType as protobuf.Type;
  const output = method.resolvedResponseType as protobuf.Type;
  const clientStreaming = method.requestStream === true;
  const serverStreaming = method.responseStream === true;
  return {
    name: `${service.name}.${method.name}`,
    description: method.comment ?? '',
    method: 'POST',
    urlTemplate: `/${serviceName}/${method.name}`,
    parameters: [],
    request: {
      required: true,
      description: messagesDescription(input, clientStreaming),
      representations: [representation(input)],
    },
    responses: [
      { status: 200, description: messagesDescription(output, serverStreaming), representations: [representation(output)] },
    ],
    tags: [service.name],
    binding: {
      kind: 'grpc',
      service: serviceName,
      method: method.name,
      clientStreaming,
      serverStreaming,
      inputType: plainName(input),
      outputType: plainName(output),
    },
  };
}

/** gRPC answers HTTP 200 even for errors (the status is in trailers), so one response describes the RPC. */
function representation(type: protobuf.Type): OperationRepresentation {
  return { contentType: GRPC_CONTENT_TYPE, schema: new ProtoSchemaConverter().message(type) };
}

function messagesDescription(type: protobuf.Type, streaming: boolean): string {
  return streaming ? `A stream of ${plainName(type)} messages` : `One ${plainName(type)} message`;
}

function serviceIssue(files: ProtoFileSet, service: protobuf.Service, message: string): ImportIssue {
  const file = service.filename ?? '';
  const line = lineOf(files.texts.get(file) ?? '', new RegExp(`\\bservice\\s+${escapeRegExp(service.name)}\\b`));
  return { pointer: `/services/${plainName(service)}`, file, line, message };
}

function plainName(object: protobuf.ReflectionObject): string {
  return object.fullName.replace(/^\./, '');
}

/** The trailing version segment of a versioned package (`grpc.health.v1` → `v1`), as Google's API guidelines use. */
function versionOf(packageName: string | undefined): string {
  const last = packageName?.split('.').pop() ?? '';
  return /^v\d+(?:(?:alpha|beta|p\d+)\w*)?$/.test(last) ? last : '';
}

function baseName(fileName: string): string {
  return fileName.replace(/^.*[\\/]/, '').replace(/\.proto$/, '');
}
