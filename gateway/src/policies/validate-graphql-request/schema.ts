import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, positiveInteger, variableName } from '../fields.js';

const NAME = '[_A-Za-z][_0-9A-Za-z]*';

const rule = configObject({
  path: z
    .string()
    // Azure's /type/field; one segment names a root field (/users, /*), /__* is introspection.
    .regex(new RegExp(`^(/__\\*|/(${NAME}|\\*)(/(${NAME}|\\*|__\\*))?)$`), {
      error: 'expected a path such as /Query/users, /Mutation/* or /__*',
    })
    .describe(
      "Type and field the rule applies to, /type/field: an object type of the API's GraphQL schema (a root type when the " +
        'API has none); /field and /* are root fields; /__* is introspection.',
    ),
  action: orExpression(z.enum(['allow', 'remove', 'reject', 'ignore']), 'string')
    .default('allow')
    .describe('allow: pass; remove: drop the field with a field error; reject: refuse the request; ignore: try the next rule.'),
});

/**
 * validate-graphql-request: checks a GraphQL request against the API's schema (the SDL it was
 * imported from) and limits, and authorizes fields by path. Rule types and fields are checked
 * against that schema when the gateway compiles the statement.
 *
 * @example { "validate-graphql-request": { "max-size": 102400, "max-depth": 8, "authorize": [{ "path": "/__*", "action": "reject" }] } }
 */
export const validateGraphqlRequestSchema = configObject({
  'error-variable-name': variableName.optional().describe('Variable receiving the validation errors.'),
  'max-size': orExpression(z.number().int().positive().max(102_400), 'int').describe(
    'Largest request body accepted, in bytes (at most 102400).',
  ),
  'max-depth': orExpression(positiveInteger, 'int').default(6).describe('Deepest field nesting accepted.'),
  authorize: z.array(rule).optional().describe('Authorization rules; the most specific path applies.'),
}).meta({ description: 'Validates a GraphQL request (size, depth, schema) and authorizes access to fields.' });

export type ValidateGraphqlRequestConfig = z.infer<typeof validateGraphqlRequestSchema>;
