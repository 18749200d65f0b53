import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, variableName } from '../fields.js';

/**
 * set-variable: stores a value in `variables`, for later expressions and policies of the
 * same request.
 *
 * @example { "set-variable": { "name": "tenant", "value": "@(jwt.tid)" } }
 */
export const setVariableSchema = configObject({
  name: variableName.describe('Variable name; read back as variables.name.'),
  value: orExpression(z.union([z.string(), z.number(), z.boolean()]), 'dyn').describe(
    'A literal string, number or boolean, or an expression of any type.',
  ),
}).meta({ description: 'Stores a value in a request variable for later expressions and policies.' });

export type SetVariableConfig = z.infer<typeof setVariableSchema>;
