import type { OperationParameter, OperationRepresentation, OperationRequest } from '../../../db/schema/index.js';
import { at, type ImportContext } from './openapi-context.js';
import { operationParameter, readExamples, withExamples, type DeclaredParameter } from './openapi-parameters.js';
import { readResponses, responseBody, type OperationShape, type ResponseBody } from './openapi-responses.js';
import type { Located } from './openapi-source.js';

/** OpenAPI 3: these headers are described by media types and security schemes; parameters naming them are ignored. */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

export function readOperationV3(ctx: ImportContext, operation: Located, parameters: DeclaredParameter[]): OperationShape {
  for (const [name, callback] of ctx.members(at(operation, 'callbacks'))) {
    ctx.warn(callback.loc, `callback '${name}' is not imported: callbacks are requests the API makes, not operations it serves`);
  }
  return {
    parameters: parameters.flatMap((parameter) => parameterV3(ctx, parameter) ?? []),
    request: requestV3(ctx, at(operation, 'requestBody')),
    responses: readResponses(ctx, at(operation, 'responses'), (response) => responseV3(ctx, response)),
  };
}

function parameterV3(ctx: ImportContext, parameter: DeclaredParameter): OperationParameter | undefined {
  const { name, node } = parameter;
  switch (parameter.in) {
    case 'cookie':
      ctx.warn(node.loc, `cookie parameter '${name}' is not imported: operations model path, query and header parameters`);
      return undefined;
    case 'header':
      if (IGNORED_HEADERS.has(name.toLowerCase())) {
        ctx.warn(node.loc, `header parameter '${name}' is ignored, as OpenAPI requires`);
        return undefined;
      }
      return operationParameter(ctx, name, 'header', node, parameterSchema(ctx, node));
    case 'path':
    case 'query':
      return operationParameter(ctx, name, parameter.in, node, parameterSchema(ctx, node));
    default:
      ctx.error(at(node, 'in').loc, `'${parameter.in}' is not a parameter location (path, query, header or cookie)`);
      return undefined;
  }
}

/** A parameter or header has a `schema` or a single-entry `content`; its examples join the schema's. */
function parameterSchema(ctx: ImportContext, node: Located): unknown {
  const [media] = ctx.members(at(node, 'content')).map(([, mediaNode]) => mediaNode);
  const useContent = at(node, 'schema').value === undefined && media !== undefined;
  const schema = ctx.schemas.translate(useContent ? at(media, 'schema') : at(node, 'schema'));
  const examples = [...readExamples(ctx, node), ...(useContent ? readExamples(ctx, media) : [])];
  return withExamples(
    schema,
    examples.map(([, value]) => value),
  );
}

function requestV3(ctx: ImportContext, node: Located): OperationRequest | null {
  if (node.value === undefined) return null;
  const body = ctx.resolvedObject(node);
  if (!body) return null;
  const description = ctx.text(at(body.node, 'description'));
  return {
    ...(description ? { description } : {}),
    required: ctx.boolean(at(body.node, 'required')) === true,
    representations: representationsV3(ctx, at(body.node, 'content')),
  };
}

function responseV3(ctx: ImportContext, node: Located): ResponseBody | undefined {
  const response = ctx.resolvedObject(node);
  if (!response) return undefined;
  const headers = ctx.members(at(response.node, 'headers')).flatMap(([name, headerNode]) => {
    // OpenAPI: a Content-Type response header is ignored; the media types say it.
    if (name.toLowerCase() === 'content-type') return [];
    const header = ctx.resolvedObject(headerNode);
    return header ? [operationParameter(ctx, name, 'header', header.node, parameterSchema(ctx, header.node))] : [];
  });
  return responseBody(ctx.text(at(response.node, 'description')), headers, representationsV3(ctx, at(response.node, 'content')));
}

function representationsV3(ctx: ImportContext, content: Located): OperationRepresentation[] {
  return ctx.members(content).flatMap(([contentType, media]) => {
    if (!ctx.object(media)) return [];
    const schema = ctx.schemas.translate(at(media, 'schema'));
    const examples = readExamples(ctx, media);
    return [
      {
        contentType,
        ...(schema === undefined ? {} : { schema }),
        ...(examples.length > 0 ? { examples: Object.fromEntries(examples) } : {}),
      },
    ];
  });
}
