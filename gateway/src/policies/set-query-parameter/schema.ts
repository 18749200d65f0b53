import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, existsAction, queryParameterName } from '../fields.js';
import { requireValuesUnlessDelete } from '../set-header/schema.js';

/**
 * set-query-parameter: adds, replaces, appends to or deletes a query parameter of the request
 * sent to the backend.
 *
 * @example { "set-query-parameter": { "name": "api-version", "exists-action": "skip", "value": ["2024-01-01"] } }
 */
export const setQueryParameterSchema = configObject({
  name: queryParameterName.describe('Query parameter to set.'),
  'exists-action': existsAction,
  value: z.array(orExpression(z.string(), 'string')).optional().describe('Values; several values repeat the parameter.'),
})
  .check(requireValuesUnlessDelete)
  .meta({ description: 'Adds, replaces, appends to or deletes a query parameter of the backend request.' });

export type SetQueryParameterConfig = z.infer<typeof setQueryParameterSchema>;
