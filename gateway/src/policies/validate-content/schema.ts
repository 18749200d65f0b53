import { z } from 'zod';
import { expression } from '../../expressions/expression-schemas.js';
import { configObject, mediaType, oneOf, variableName } from '../fields.js';

const action = z
  .enum(['ignore', 'prevent', 'detect'])
  .describe('ignore: skip; prevent: stop with 400 (request) or 502 (response); detect: log and continue.');

// Bodies are buffered to be validated; this bounds the memory one request can pin.
const MAX_SIZE = 4 * 1024 * 1024;

const typeMapping = configObject({
  from: mediaType.optional().describe('Incoming content type to map.'),
  when: expression('bool').optional().describe('Map any content type for which this is true.'),
  to: mediaType.describe('Content type to validate as.'),
}).check(oneOf(['from', 'when'], true));

const content = configObject({
  type: mediaType.optional().describe('Content type this rule applies to; every type of the API schema when omitted.'),
  'validate-as': z.enum(['json', 'xml', 'soap']).describe('Validation engine.'),
  'schema-id': z.string().min(1).optional().describe("Uploaded schema to use instead of the API definition's."),
  'schema-ref': z
    .string()
    .startsWith('#/')
    .optional()
    .describe('JSON pointer into the schema, such as #/components/schemas/order (JSON only).'),
  action: action.describe('What to do when the body does not match.'),
  'allow-additional-properties': z.boolean().optional().describe("Override the schema's additionalProperties (JSON only)."),
  'case-insensitive-property-names': z.boolean().default(false).describe('Match JSON property names case-insensitively.'),
}).check((payload) => {
  const issue = (path: string, message: string) =>
    payload.issues.push({ code: 'custom', message, input: payload.value, path: [path] });
  // Refused rather than skipped: a rule that validated nothing would let every body through.
  if (payload.value['validate-as'] !== 'json' && payload.value.action !== 'ignore') {
    issue('validate-as', 'only JSON bodies can be validated by this gateway; XML and SOAP schema validation is not supported');
  }
  if (payload.value['schema-id'] !== undefined) {
    issue('schema-id', "schemas uploaded to the service are not supported; the operation's API definition is used");
  }
  if (payload.value['schema-ref'] !== undefined) {
    issue('schema-ref', "'schema-ref' points into an uploaded schema (schema-id), which is not supported");
  }
});

/**
 * validate-content: checks the size and the body of a request (inbound) or response (outbound)
 * against the API's schemas.
 *
 * @example { "validate-content": { "unspecified-content-type-action": "prevent", "max-size": 102400, "size-exceeded-action": "prevent", "content": [{ "type": "application/json", "validate-as": "json", "action": "prevent" }] } }
 */
export const validateContentSchema = configObject({
  'unspecified-content-type-action': action.describe('What to do with a content type the API schema does not list.'),
  'max-size': z
    .number()
    .int()
    .positive()
    .max(MAX_SIZE)
    .describe(`Largest body accepted, in bytes (at most ${MAX_SIZE}), checked against Content-Length.`),
  'size-exceeded-action': action.describe('What to do with a body larger than max-size.'),
  'errors-variable-name': variableName.optional().describe('Variable receiving the validation errors.'),
  'content-type-map': configObject({
    'any-content-type-value': mediaType.optional().describe('Validate every body as this content type.'),
    'missing-content-type-value': mediaType.optional().describe('Content type assumed when none is given.'),
    type: z.array(typeMapping).optional().describe('Mappings from incoming content types to validated ones.'),
  })
    .optional()
    .describe('Maps incoming content types to the ones validation uses.'),
  content: z.array(content).optional().describe('Per-content-type validation rules.'),
}).meta({ description: 'Validates the size and body of a request or response against the API schemas.' });

export type ValidateContentConfig = z.infer<typeof validateContentSchema>;
