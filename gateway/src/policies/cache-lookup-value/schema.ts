import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { internalCachingType } from '../cache-fields.js';
import { configObject, variableName } from '../fields.js';

/**
 * cache-lookup-value: reads a value stored by cache-store-value into a variable.
 *
 * @example { "cache-lookup-value": { "key": "@(\"profile-\" + user.id)", "variable-name": "profile" } }
 */
export const cacheLookupValueSchema = configObject({
  key: orExpression(z.string().min(1), 'string').describe('Cache key.'),
  'variable-name': variableName.describe('Variable receiving the value.'),
  'default-value': orExpression(z.string(), 'dyn')
    .optional()
    .describe('Value assigned on a cache miss; the variable is left unset otherwise.'),
  'caching-type': internalCachingType,
}).meta({ description: 'Reads a cached value by key into a variable.' });

export type CacheLookupValueConfig = z.infer<typeof cacheLookupValueSchema>;
