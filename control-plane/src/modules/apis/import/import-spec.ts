import { importGraphql } from './graphql-import.js';
import { ImportError, type ImportSource, type ImportedApi } from './imported-api.js';
import { importOData } from './odata-import.js';
import { importOpenApi } from './openapi-import.js';
import { importProto } from './proto-import.js';
import { importWsdl } from './wsdl-import.js';

export const IMPORT_FORMATS = ['openapi', 'wsdl', 'odata', 'graphql', 'protobuf'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

const IMPORTERS: Record<ImportFormat, (source: ImportSource) => Promise<ImportedApi>> = {
  openapi: importOpenApi,
  wsdl: importWsdl,
  odata: importOData,
  graphql: importGraphql,
  protobuf: importProto,
};

/**
 * Which kind of document this is, from its first significant content: cheap and good enough,
 * since the chosen importer then validates the whole document and says what is wrong.
 */
export function detectFormat(text: string): ImportFormat | undefined {
  const head = text.slice(0, 4096).replace(/^\uFEFF/, '');
  if (/^\s*[{[]/.test(head) || /^\s*(?:#.*\n\s*)*(?:openapi|swagger)\s*:/m.test(head)) {
    if (/["']?(?:openapi|swagger)["']?\s*:/.test(head)) return 'openapi';
  }
  if (/^\s*</.test(head)) {
    if (/<(?:\w+:)?Edmx\b/.test(head)) return 'odata';
    if (/<(?:\w+:)?definitions\b/.test(head)) return 'wsdl';
    return undefined;
  }
  if (
    /^\s*(?:syntax|package|service)\b/m.test(head) &&
    /\b(?:syntax\s*=\s*["']proto[23]["']|service\s+\w+\s*\{|message\s+\w+\s*\{)/.test(head)
  ) {
    return 'protobuf';
  }
  if (
    /\b(?:type|schema|interface|enum|input|union|scalar|directive|extend)\b[^\n]*[{@=]?/.test(head) &&
    !/^\s*\w+\s*:/.test(head)
  )
    return 'graphql';
  return undefined;
}

export async function importSpec(source: ImportSource, format?: ImportFormat): Promise<ImportedApi> {
  const chosen = format ?? detectFormat(source.text);
  if (!chosen) {
    throw new ImportError([
      { pointer: '', line: 1, message: `Not a recognised API description; give "format" (one of ${IMPORT_FORMATS.join(', ')})` },
    ]);
  }
  return IMPORTERS[chosen](source);
}
