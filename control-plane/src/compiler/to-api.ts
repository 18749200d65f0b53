import { create } from '@bufbuild/protobuf';
import {
  ApiSchema,
  ApiType,
  OperationSchema,
  ParameterSchema,
  VersioningSchema,
  VersioningScheme,
  type Api,
  type Operation,
} from '@portico/proto';
import type { apis, apiVersionSets, operations } from '../db/schema/index.js';

type ApiRow = typeof apis.$inferSelect;
type OperationRow = typeof operations.$inferSelect;
type VersionSetRow = typeof apiVersionSets.$inferSelect;

const API_TYPES: Record<ApiRow['type'], ApiType> = {
  http: ApiType.HTTP,
  soap: ApiType.SOAP,
  websocket: ApiType.WEBSOCKET,
  graphql: ApiType.GRAPHQL,
  grpc: ApiType.GRPC,
};

const SCHEMES: Record<VersionSetRow['versioningScheme'], VersioningScheme> = {
  segment: VersioningScheme.SEGMENT,
  header: VersioningScheme.HEADER,
  query: VersioningScheme.QUERY,
};

/** `""` stands for "none" in the proto, where strings cannot be null. */
const jsonOrEmpty = (value: unknown) => (value === null || value === undefined ? '' : JSON.stringify(value));

export function toApi(row: ApiRow, versionSet: VersionSetRow | undefined, operationRows: OperationRow[]): Api {
  return create(ApiSchema, {
    id: row.id,
    name: row.name,
    type: API_TYPES[row.type],
    path: row.path,
    versioning: versionSet ? toVersioning(versionSet, row.apiVersion) : undefined,
    protocols: row.protocols,
    subscriptionRequired: row.subscriptionRequired,
    subscriptionKeyHeaderName: row.subscriptionKeyHeaderName,
    subscriptionKeyQueryName: row.subscriptionKeyQueryName,
    backendId: row.backendId ?? '',
    operations: operationRows.map(toOperation),
    workspaceId: row.workspaceId,
    // Their order means nothing; sorted, it cannot change the view's hash.
    hostnames: [...row.hostnames].sort(),
    graphqlSchema: graphqlSchemaOf(row),
  });
}

/**
 * The SDL validate-graphql-request checks requests against: the imported GraphQL source, kept
 * byte for byte on the row (a re-import or a revision restore replaces it and records an `api`
 * change, so the view follows). Other sources (OpenAPI of a REST API) are not GraphQL schemas.
 */
function graphqlSchemaOf(row: ApiRow): string {
  return row.sourceFormat === 'graphql-sdl' ? (row.sourceText ?? '') : '';
}

function toVersioning(set: VersionSetRow, version: string) {
  const parameterName =
    set.versioningScheme === 'header'
      ? (set.versionHeaderName ?? '')
      : set.versioningScheme === 'query'
        ? (set.versionQueryName ?? '')
        : '';
  return create(VersioningSchema, { scheme: SCHEMES[set.versioningScheme], version, parameterName });
}

function toOperation(row: OperationRow): Operation {
  return create(OperationSchema, {
    id: row.id,
    name: row.name,
    method: row.method,
    urlTemplate: row.urlTemplate,
    // Parameter order is the author's (it shows in docs and errors), so it is kept.
    parameters: row.parameters.map((p) =>
      create(ParameterSchema, { name: p.name, in: p.in, required: p.required ?? false, schemaJson: jsonOrEmpty(p.schema) }),
    ),
    requestJson: jsonOrEmpty(row.request),
    responsesJson: JSON.stringify(row.responses),
    bindingJson: jsonOrEmpty(row.binding),
  });
}
