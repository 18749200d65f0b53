import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { internalCachingType } from '../cache-fields.js';
import { configObject } from '../fields.js';

/**
 * cache-remove-value: deletes a cached value.
 *
 * @example { "cache-remove-value": { "key": "@(\"profile-\" + user.id)" } }
 */
export const cacheRemoveValueSchema = configObject({
  key: orExpression(z.string().min(1), 'string').describe('Cache key.'),
  'caching-type': internalCachingType,
}).meta({ description: 'Removes a value from the cache.' });

export type CacheRemoveValueConfig = z.infer<typeof cacheRemoveValueSchema>;
