import type {
  ApiSpecFormat,
  ApiType,
  OperationBinding,
  OperationParameter,
  OperationRequest,
  OperationResponse,
} from '../../../db/schema/index.js';

/**
 * What every importer produces from a source document, whatever its format. The import
 * procedure turns this into `apis` and `operations` rows; export turns rows back into a spec.
 * Schemas inside parameters, requests and responses are JSON Schema with `$ref`s resolved
 * (no external references survive an import).
 */
export interface ImportedApi {
  type: ApiType;
  /** Title of the API (OpenAPI info.title, WSDL service name, proto package…). */
  name: string;
  description: string;
  /** The version the document declares (info.version…); informational. */
  declaredVersion: string;
  /** Backend URL the document declares (servers[0], host + basePath, soap:address), if any. */
  serviceUrl: string | undefined;
  /** The API path suggested by the document (servers[0] path, basePath); '' when none. */
  suggestedPath: string;
  sourceFormat: ApiSpecFormat;
  operations: ImportedOperation[];
  /** Non-fatal findings (skipped constructs, defaults applied), each with where it is. */
  warnings: ImportIssue[];
}

export interface ImportedOperation {
  /** Stable identifier: operationId, SOAP operation name, `Service.Method`… unique in the API. */
  name: string;
  description: string;
  /** Upper-case HTTP method. */
  method: string;
  /** Relative to the API path, starting with '/', parameters as `{name}`. */
  urlTemplate: string;
  parameters: OperationParameter[];
  request: OperationRequest | null;
  responses: OperationResponse[];
  tags: string[];
  binding: OperationBinding | null;
}

/** Where a problem is: a JSON pointer into the document, and for text formats its line (1-based). */
export interface ImportIssue {
  pointer: string;
  line?: number;
  /** For multi-file documents, the file the pointer refers to. */
  file?: string;
  message: string;
}

/** A document that cannot be imported. Nothing is written when an importer throws it. */
export class ImportError extends Error {
  constructor(readonly issues: ImportIssue[]) {
    super(
      issues.map((i) => `${i.file ? `${i.file}:` : ''}${i.line ?? ''}${i.line ? ' ' : ''}${i.pointer}: ${i.message}`).join('; '),
    );
    this.name = 'ImportError';
  }
}

/** The source handed to an importer: the main document and, for multi-file specs, the others by relative path. */
export interface ImportSource {
  /** File name of the main document (used to resolve relative `$ref`s and in messages). */
  fileName: string;
  text: string;
  /** Other files a `$ref` may point to, keyed by path relative to the main document. */
  files?: Record<string, string>;
}
