import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { internalCachingType } from '../cache-fields.js';
import { configObject, positiveInteger } from '../fields.js';

/**
 * cache-store-value: stores a value under a key for cache-lookup-value.
 *
 * @example { "cache-store-value": { "key": "@(\"profile-\" + user.id)", "value": "@(variables.profile)", "duration": 600 } }
 */
export const cacheStoreValueSchema = configObject({
  key: orExpression(z.string().min(1), 'string').describe('Cache key.'),
  value: orExpression(z.union([z.string(), z.number(), z.boolean()]), 'dyn').describe('Value to store.'),
  duration: orExpression(positiveInteger, 'int').describe('Seconds the entry lives.'),
  'caching-type': internalCachingType,
}).meta({ description: 'Stores a value in the cache under a key.' });

export type CacheStoreValueConfig = z.infer<typeof cacheStoreValueSchema>;
