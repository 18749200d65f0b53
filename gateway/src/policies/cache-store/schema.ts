import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, positiveInteger } from '../fields.js';

/**
 * cache-store: stores the response for the cache-lookup of the same scope.
 *
 * @example { "cache-store": { "duration": 300 } }
 */
export const cacheStoreSchema = configObject({
  duration: orExpression(positiveInteger, 'int').describe('Seconds the entry lives.'),
  'cache-response': orExpression(z.boolean(), 'bool')
    .optional()
    .describe('Store only when this is true; by default only 200 responses are stored.'),
}).meta({ description: 'Stores the response in the cache for cache-lookup.' });

export type CacheStoreConfig = z.infer<typeof cacheStoreSchema>;
