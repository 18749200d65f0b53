import type { OperationParameter, OperationResponse } from '../../../db/schema/index.js';
import { ImportError, type ImportedApi, type ImportedOperation, type ImportIssue, type ImportSource } from './imported-api.js';
import { CsdlSchemaConverter, type JsonSchema } from './odata-json-schema.js';
import { descriptionOf, EDM_NS, entityKey, readCsdl, type CsdlModel, type KeyProperty } from './odata-model.js';
import { childrenOf, issueAt, type XmlElement } from './wsdl-xml.js';

const JSON_CONTENT_TYPE = 'application/json';

/**
 * Imports an OData v4 `$metadata` document (CSDL XML) as an HTTP API:
 *
 * - per entity set: list `GET /Set`, create `POST /Set`, get `GET /Set(key)`, update
 *   `PATCH /Set(key)`, delete `DELETE /Set(key)`; per singleton: get and update `/Name`;
 * - per function import: `GET /Name(p={p},…)`, one operation per overload;
 * - per action import: `POST /Name` with the parameters as a JSON object.
 *
 * Keys follow OData's canonical URL form: `/Products({ProductID})`, string keys quoted
 * (`/Customers('{CustomerID}')`), composite keys named
 * (`/Order_Details(OrderID={OrderID},ProductID={ProductID})`), as Microsoft's OData→OpenAPI
 * converter writes them. Bound functions and actions are reported as warnings, not imported.
 *
 * @example
 *   const api = await importOData({ fileName: '$metadata', text });
 *   api.operations.find((o) => o.name === 'Products.get')?.urlTemplate; // '/Products({ProductID})'
 */
export function importOData(source: ImportSource): Promise<ImportedApi> {
  return new Promise((resolve) => resolve(readOData(source)));
}

interface ImportContext {
  model: CsdlModel;
  warnings: ImportIssue[];
  /** Adds a warning once: an entity type is converted for each of its set's operations. */
  warn: (issue: ImportIssue) => void;
}

function readOData(source: ImportSource): ImportedApi {
  const model = readCsdl(source);
  const warnings: ImportIssue[] = [];
  const seen = new Set<string>();
  const warn = (issue: ImportIssue) => {
    const key = `${issue.pointer}|${issue.message}`;
    if (!seen.has(key)) warnings.push(issue);
    seen.add(key);
  };
  const context: ImportContext = { model, warnings, warn };
  const operations = childrenOf(model.container, [EDM_NS]).flatMap((member): ImportedOperation[] => {
    if (member.local === 'EntitySet') return entitySetOperations(member, context);
    if (member.local === 'Singleton') return singletonOperations(member, context);
    if (member.local === 'FunctionImport') return functionImportOperations(member, context);
    if (member.local === 'ActionImport') return actionImportOperations(member, context);
    return [];
  });
  warnAboutBoundOperations(context);
  const serviceUrl = serviceRootOf(source.fileName);
  return {
    type: 'http',
    name: model.container.attrs.Name ?? 'OData service',
    description: descriptionOf(model.container),
    declaredVersion: '',
    serviceUrl,
    suggestedPath: serviceUrl ? new URL(serviceUrl).pathname.replace(/^\/+|\/+$/g, '') : '',
    sourceFormat: 'odata-csdl',
    operations,
    warnings: context.warnings,
  };
}

/** A document fetched from `<service root>/$metadata` names its service root. */
function serviceRootOf(fileName: string): string | undefined {
  const match = /^(https?:\/\/.+?)\/\$metadata(?:[?#].*)?$/.exec(fileName);
  return match?.[1];
}

function entityTypeOf(
  member: XmlElement,
  attribute: 'EntityType' | 'Type',
  context: ImportContext,
): { name: string; type: XmlElement } {
  const name = context.model.qualify(member.attrs[attribute] ?? '');
  const type = context.model.types.get(name);
  if (!type || type.local !== 'EntityType')
    throw new ImportError([issueAt(member, `entity type ${member.attrs[attribute] ?? ''} is not defined`)]);
  return { name, type };
}

function entitySetOperations(entitySet: XmlElement, context: ImportContext): ImportedOperation[] {
  const setName = entitySet.attrs.Name ?? '';
  const { name: typeName, type } = entityTypeOf(entitySet, 'EntityType', context);
  const key = entityKey(context.model, type);
  const collectionPath = `/${setName}`;
  const entityPath = `/${setName}(${keySegment(key)})`;
  const keyParameters = key.map((k) => keyParameter(k, context));
  const entity = () => entitySchema(typeName, entitySet, context);
  const base = { description: descriptionOf(entitySet), tags: [setName] };
  const binding = (action: 'list' | 'get' | 'create' | 'update' | 'delete') => ({
    kind: 'odata' as const,
    entitySet: setName,
    entityType: typeName,
    action,
  });
  return [
    {
      ...base,
      name: `${setName}.list`,
      method: 'GET',
      urlTemplate: collectionPath,
      parameters: LIST_OPTIONS,
      request: null,
      responses: [ok(collectionSchema(entity())), ODATA_ERROR],
      binding: binding('list'),
    },
    {
      ...base,
      name: `${setName}.create`,
      method: 'POST',
      urlTemplate: collectionPath,
      parameters: [],
      request: jsonBody(entity()),
      responses: [created(entity()), ODATA_ERROR],
      binding: binding('create'),
    },
    {
      ...base,
      name: `${setName}.get`,
      method: 'GET',
      urlTemplate: entityPath,
      parameters: [...keyParameters, ...ENTITY_OPTIONS],
      request: null,
      responses: [ok(entity()), ODATA_ERROR],
      binding: binding('get'),
    },
    {
      ...base,
      name: `${setName}.update`,
      method: 'PATCH',
      urlTemplate: entityPath,
      parameters: [...keyParameters, IF_MATCH],
      request: jsonBody(entity()),
      responses: [NO_CONTENT, ODATA_ERROR],
      binding: binding('update'),
    },
    {
      ...base,
      name: `${setName}.delete`,
      method: 'DELETE',
      urlTemplate: entityPath,
      parameters: [...keyParameters, IF_MATCH],
      request: null,
      responses: [NO_CONTENT, ODATA_ERROR],
      binding: binding('delete'),
    },
  ];
}

/** A singleton is a single addressable entity; its binding names it where an entity set would be. */
function singletonOperations(singleton: XmlElement, context: ImportContext): ImportedOperation[] {
  const name = singleton.attrs.Name ?? '';
  const { name: typeName } = entityTypeOf(singleton, 'Type', context);
  const base = { description: descriptionOf(singleton), urlTemplate: `/${name}`, tags: [name] };
  const binding = (action: 'get' | 'update') => ({ kind: 'odata' as const, entitySet: name, entityType: typeName, action });
  return [
    {
      ...base,
      name: `${name}.get`,
      method: 'GET',
      parameters: ENTITY_OPTIONS,
      request: null,
      responses: [ok(entitySchema(typeName, singleton, context)), ODATA_ERROR],
      binding: binding('get'),
    },
    {
      ...base,
      name: `${name}.update`,
      method: 'PATCH',
      parameters: [IF_MATCH],
      request: jsonBody(entitySchema(typeName, singleton, context)),
      responses: [NO_CONTENT, ODATA_ERROR],
      binding: binding('update'),
    },
  ];
}

/**
 * One GET per unbound overload. Primitive parameters go inline (`count={count}`); others, which
 * cannot be written inline, through parameter aliases (`lines=@lines`, sent as `?@lines=<JSON>`).
 */
function functionImportOperations(functionImport: XmlElement, context: ImportContext): ImportedOperation[] {
  const importName = functionImport.attrs.Name ?? '';
  const overloads = unboundOverloads(context.model.functions, functionImport, 'Function', context);
  return overloads.map((fn) => {
    const parameters = childrenOf(fn, [EDM_NS], 'Parameter');
    const converter = new CsdlSchemaConverter(context.model, context.warn);
    const signature = parameters.map((p) => p.attrs.Name ?? '').join(',');
    return {
      name: overloads.length > 1 ? `${importName}(${signature})` : importName,
      description: descriptionOf(functionImport) || descriptionOf(fn),
      method: 'GET',
      urlTemplate: `/${importName}(${parameters.map((p) => functionArgument(p, context)).join(',')})`,
      parameters: parameters.map((p) => functionParameter(p, converter)),
      request: null,
      responses: [returnResponse(fn, context), ODATA_ERROR],
      tags: functionImport.attrs.EntitySet ? [functionImport.attrs.EntitySet] : [],
      binding: {
        kind: 'odata' as const,
        entitySet: functionImport.attrs.EntitySet ?? '',
        entityType: '',
        action: 'function' as const,
        callable: importName,
      },
    };
  });
}

function actionImportOperations(actionImport: XmlElement, context: ImportContext): ImportedOperation[] {
  const importName = actionImport.attrs.Name ?? '';
  // Unbound actions cannot be overloaded (CSDL §12.1), so an import names one action.
  const [action] = unboundOverloads(context.model.actions, actionImport, 'Action', context);
  if (!action) return [];
  const parameters = childrenOf(action, [EDM_NS], 'Parameter');
  const converter = new CsdlSchemaConverter(context.model, context.warn);
  const properties = Object.fromEntries(parameters.map((p) => [p.attrs.Name ?? '', converter.property(p)]));
  const required = parameters.filter((p) => p.attrs.Nullable === 'false').map((p) => p.attrs.Name ?? '');
  const body: JsonSchema = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  return [
    {
      name: importName,
      description: descriptionOf(actionImport) || descriptionOf(action),
      method: 'POST',
      urlTemplate: `/${importName}`,
      parameters: [],
      request: parameters.length > 0 ? jsonBody(converter.finish(body)) : null,
      responses: [returnResponse(action, context), ODATA_ERROR],
      tags: actionImport.attrs.EntitySet ? [actionImport.attrs.EntitySet] : [],
      binding: {
        kind: 'odata' as const,
        entitySet: actionImport.attrs.EntitySet ?? '',
        entityType: '',
        action: 'action' as const,
        callable: importName,
      },
    },
  ];
}

function unboundOverloads(
  table: Map<string, XmlElement[]>,
  target: XmlElement,
  kind: 'Function' | 'Action',
  context: ImportContext,
): XmlElement[] {
  const name = target.attrs[kind] ?? '';
  const overloads = (table.get(context.model.qualify(name)) ?? []).filter((fn) => fn.attrs.IsBound !== 'true');
  if (overloads.length === 0) throw new ImportError([issueAt(target, `unbound ${kind.toLowerCase()} ${name} is not defined`)]);
  return overloads;
}

function warnAboutBoundOperations(context: ImportContext): void {
  for (const overloads of [...context.model.functions.values(), ...context.model.actions.values()]) {
    for (const bound of overloads.filter((fn) => fn.attrs.IsBound === 'true')) {
      context.warn(
        issueAt(
          bound,
          `bound ${bound.local.toLowerCase()} ${bound.attrs.Name ?? ''} is not imported; add its operation by hand if clients call it`,
        ),
      );
    }
  }
}

function isPrimitive(typeName: string): boolean {
  return typeName.startsWith('Edm.') && !typeName.startsWith('Edm.Geo');
}

/** OData writes string literals in single quotes; numbers, GUIDs, dates and booleans bare (URL conventions §4.3.1). */
function literal(name: string, typeName: string | undefined): string {
  return typeName === 'Edm.String' ? `'{${name}}'` : `{${name}}`;
}

function keySegment(key: KeyProperty[]): string {
  const [only] = key;
  if (key.length === 1 && only) return literal(only.name, only.property.attrs.Type);
  return key.map((k) => `${k.name}=${literal(k.name, k.property.attrs.Type)}`).join(',');
}

function keyParameter(key: KeyProperty, context: ImportContext): OperationParameter {
  const converter = new CsdlSchemaConverter(context.model, context.warn);
  return {
    name: key.name,
    in: 'path',
    required: true,
    schema: converter.typeRef(key.property.attrs.Type ?? 'Edm.String', key.property),
  };
}

function functionArgument(parameter: XmlElement, context: ImportContext): string {
  const name = parameter.attrs.Name ?? '';
  const typeName = context.model.qualify(parameter.attrs.Type ?? '');
  return isPrimitive(typeName) ? `${name}=${literal(name, typeName)}` : `${name}=@${name}`;
}

function functionParameter(parameter: XmlElement, converter: CsdlSchemaConverter): OperationParameter {
  const name = parameter.attrs.Name ?? '';
  const typeName = parameter.attrs.Type ?? '';
  const schema = converter.finish(converter.typeRef(typeName, parameter));
  if (isPrimitive(typeName)) return { name, in: 'path', required: true, schema };
  return {
    name: `@${name}`,
    in: 'query',
    required: parameter.attrs.Nullable === 'false',
    description: `JSON value of ${name} (${typeName})`,
    schema,
  };
}

function entitySchema(typeName: string, at: XmlElement, context: ImportContext): JsonSchema {
  const converter = new CsdlSchemaConverter(context.model, context.warn);
  return converter.finish(converter.typeRef(typeName, at));
}

/** Collections and primitives are wrapped in `value`; a single entity or complex value is the body itself (OData JSON §4.5). */
function returnResponse(operation: XmlElement, context: ImportContext): OperationResponse {
  const returnType = childrenOf(operation, [EDM_NS], 'ReturnType')[0];
  if (!returnType) return NO_CONTENT;
  const converter = new CsdlSchemaConverter(context.model, context.warn);
  const typeName = context.model.qualify(returnType.attrs.Type ?? '');
  const schema = converter.typeRef(typeName, returnType);
  const structured =
    !typeName.startsWith('Collection(') && !isPrimitive(typeName) && context.model.types.get(typeName)?.local !== 'EnumType';
  return ok(converter.finish(structured ? schema : valueWrapper(schema)));
}

function valueWrapper(value: JsonSchema): JsonSchema {
  return { type: 'object', properties: { '@odata.context': { type: 'string' }, value }, required: ['value'] };
}

function collectionSchema(entity: JsonSchema): JsonSchema {
  const { $defs, ...item } = entity;
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      '@odata.context': { type: 'string' },
      '@odata.count': { type: 'integer' },
      '@odata.nextLink': { type: 'string', format: 'uri-reference' },
      value: { type: 'array', items: item },
    },
    required: ['value'],
  };
  // `$defs` must stay at the root for `#/$defs/…` references to resolve.
  return $defs ? { ...schema, $defs } : schema;
}

function jsonBody(schema: JsonSchema) {
  return { required: true, representations: [{ contentType: JSON_CONTENT_TYPE, schema }] };
}

function ok(schema: JsonSchema): OperationResponse {
  return { status: 200, description: 'OK', representations: [{ contentType: JSON_CONTENT_TYPE, schema }] };
}

function created(schema: JsonSchema): OperationResponse {
  return { status: 201, description: 'Created', representations: [{ contentType: JSON_CONTENT_TYPE, schema }] };
}

const NO_CONTENT: OperationResponse = { status: 204, description: 'No Content' };

/** The OData error body (JSON format §21). */
const ODATA_ERROR: OperationResponse = {
  status: 'default',
  description: 'OData error',
  representations: [
    {
      contentType: JSON_CONTENT_TYPE,
      schema: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              target: { type: 'string' },
              details: { type: 'array' },
              innererror: { type: 'object' },
            },
            required: ['code', 'message'],
          },
        },
        required: ['error'],
      },
    },
  ],
};

const query = (name: string, description: string, schema: JsonSchema): OperationParameter => ({
  name,
  in: 'query',
  description,
  schema,
});

/** System query options a collection accepts (URL conventions §5). */
const LIST_OPTIONS: OperationParameter[] = [
  query('$filter', 'Filter items by property values', { type: 'string' }),
  query('$select', 'Select properties to be returned', { type: 'string' }),
  query('$expand', 'Expand related entities', { type: 'string' }),
  query('$orderby', 'Order items by property values', { type: 'string' }),
  query('$top', 'Show only the first n items', { type: 'integer', minimum: 0 }),
  query('$skip', 'Skip the first n items', { type: 'integer', minimum: 0 }),
  query('$count', 'Include the count of items', { type: 'boolean' }),
  query('$search', 'Search items by search phrases', { type: 'string' }),
];

const ENTITY_OPTIONS: OperationParameter[] = LIST_OPTIONS.filter(
  (option) => option.name === '$select' || option.name === '$expand',
);

const IF_MATCH: OperationParameter = {
  name: 'If-Match',
  in: 'header',
  description: 'ETag for optimistic concurrency',
  schema: { type: 'string' },
};
