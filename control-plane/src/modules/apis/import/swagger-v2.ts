import type { OperationParameter, OperationRepresentation, OperationRequest } from '../../../db/schema/index.js';
import { isJsonObject } from './openapi-pointer.js';
import { at, type ImportContext } from './openapi-context.js';
import { operationParameter, type DeclaredParameter } from './openapi-parameters.js';
import { readResponses, responseBody, type OperationShape, type ResponseBody } from './openapi-responses.js';
import type { Located } from './openapi-source.js';

/** Swagger 2.0 describes non-body parameters and headers with these schema fields inline. */
const SIMPLE_SCHEMA_FIELDS = [
  'type',
  'format',
  'items',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'enum',
  'multipleOf',
  'x-nullable',
];
const FORM_MEDIA_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
const DEFAULT_MEDIA_TYPES = ['application/json'];

export function readOperationV2(ctx: ImportContext, operation: Located, parameters: DeclaredParameter[]): OperationShape {
  const out: OperationParameter[] = [];
  const body: DeclaredParameter[] = [];
  const form: DeclaredParameter[] = [];
  for (const parameter of parameters) {
    if (parameter.in === 'body') body.push(parameter);
    else if (parameter.in === 'formData') form.push(parameter);
    else if (parameter.in === 'path' || parameter.in === 'query' || parameter.in === 'header') {
      out.push(operationParameter(ctx, parameter.name, parameter.in, parameter.node, simpleSchema(ctx, parameter.node)));
    } else {
      ctx.error(
        at(parameter.node, 'in').loc,
        `'${parameter.in}' is not a parameter location (path, query, header, body or formData)`,
      );
    }
  }
  const produces = mediaTypes(ctx, operation, 'produces');
  return {
    parameters: out,
    request: requestV2(ctx, body, form, mediaTypes(ctx, operation, 'consumes') ?? DEFAULT_MEDIA_TYPES),
    responses: readResponses(ctx, at(operation, 'responses'), (response) => responseV2(ctx, response, produces)),
  };
}

/** The operation's `consumes`/`produces`, else the document's; `undefined` when neither says. */
function mediaTypes(ctx: ImportContext, operation: Located, field: 'consumes' | 'produces'): string[] | undefined {
  const declared = at(operation, field).value === undefined ? at(ctx.root(), field) : at(operation, field);
  if (declared.value === undefined) return undefined;
  const types = ctx.array(declared).flatMap((item) => ctx.string(item) ?? []);
  return types.length > 0 ? types : undefined;
}

function pickSimpleSchema(value: Record<string, unknown>): Record<string, unknown> {
  const fields = SIMPLE_SCHEMA_FIELDS.filter((field) => Object.hasOwn(value, field)).map((field): [string, unknown] => {
    // Items objects nest the same fields; `collectionFormat` is serialization, not schema.
    const member = field === 'items' && isJsonObject(value.items) ? pickSimpleSchema(value.items) : value[field];
    return [field, member];
  });
  return Object.fromEntries(fields);
}

function simpleSchema(ctx: ImportContext, node: Located): unknown {
  if (!isJsonObject(node.value)) return undefined;
  const picked = pickSimpleSchema(node.value);
  return Object.keys(picked).length > 0 ? ctx.schemas.translate({ value: picked, loc: node.loc }) : undefined;
}

function requestV2(
  ctx: ImportContext,
  body: DeclaredParameter[],
  form: DeclaredParameter[],
  consumes: string[],
): OperationRequest | null {
  const [first, second] = body;
  if (second) ctx.error(second.node.loc, 'an operation can have only one body parameter');
  if (first && form[0]) ctx.error(form[0].node.loc, 'body and formData parameters cannot be used together');
  if (first) return bodyRequest(ctx, first, consumes);
  return form.length > 0 ? formRequest(ctx, form, consumes) : null;
}

function bodyRequest(ctx: ImportContext, body: DeclaredParameter, consumes: string[]): OperationRequest {
  const schema = ctx.schemas.translate(at(body.node, 'schema'));
  const description = ctx.text(at(body.node, 'description'));
  return {
    ...(description ? { description } : {}),
    required: body.value.required === true,
    representations: consumes.map((contentType) => ({
      contentType,
      ...(schema === undefined ? {} : { schema: structuredClone(schema) }),
    })),
  };
}

/** formData parameters become the properties of one object schema, sent form-encoded or as multipart. */
function formRequest(ctx: ImportContext, form: DeclaredParameter[], consumes: string[]): OperationRequest {
  const properties = form.map((parameter): [string, unknown] => {
    const schema = simpleSchema(ctx, parameter.node);
    const description = ctx.text(at(parameter.node, 'description'));
    const property = isJsonObject(schema) ? schema : {};
    return [parameter.name, description && property.description === undefined ? { ...property, description } : property];
  });
  const required = form.filter((parameter) => parameter.value.required === true).map((parameter) => parameter.name);
  const schema = { type: 'object', properties: Object.fromEntries(properties), ...(required.length > 0 ? { required } : {}) };
  const declared = consumes.filter((type) => FORM_MEDIA_TYPES.includes(type.split(';')[0]?.trim().toLowerCase() ?? ''));
  const hasFile = form.some((parameter) => parameter.value.type === 'file');
  const types = declared.length > 0 ? declared : [hasFile ? 'multipart/form-data' : 'application/x-www-form-urlencoded'];
  return {
    required: required.length > 0,
    representations: types.map((contentType) => ({ contentType, schema: structuredClone(schema) })),
  };
}

function responseV2(ctx: ImportContext, node: Located, produces: string[] | undefined): ResponseBody | undefined {
  const response = ctx.resolvedObject(node);
  if (!response) return undefined;
  const headers = ctx
    .members(at(response.node, 'headers'))
    .flatMap(([name, header]) =>
      ctx.object(header) ? [operationParameter(ctx, name, 'header', header, simpleSchema(ctx, header))] : [],
    );
  const schema = ctx.schemas.translate(at(response.node, 'schema'));
  const representations: OperationRepresentation[] =
    schema === undefined
      ? []
      : (produces ?? DEFAULT_MEDIA_TYPES).map((contentType) => ({ contentType, schema: structuredClone(schema) }));
  // Swagger 2.0 keys examples by media type; each becomes that representation's `default` example.
  for (const [contentType, example] of ctx.members(at(response.node, 'examples'))) {
    const examples = { default: example.value };
    const existing = representations.find((representation) => representation.contentType === contentType);
    if (existing) existing.examples = examples;
    else representations.push({ contentType, examples });
  }
  return responseBody(ctx.text(at(response.node, 'description')), headers, representations);
}
