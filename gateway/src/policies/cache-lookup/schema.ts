import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { internalCachingType } from '../cache-fields.js';
import { configObject, headerName, queryParameterName } from '../fields.js';

/**
 * cache-lookup: answers GET requests from the response cache when a fresh entry exists; pairs
 * with cache-store in outbound.
 *
 * @example { "cache-lookup": { "vary-by-developer": false, "vary-by-developer-groups": false, "vary-by-header": ["Accept"] } }
 */
export const cacheLookupSchema = configObject({
  'vary-by-developer': orExpression(z.boolean(), 'bool').default(false).describe('Keep separate entries per subscription owner.'),
  'vary-by-developer-groups': orExpression(z.boolean(), 'bool')
    .default(false)
    .describe("Keep separate entries per set of the caller's groups."),
  'caching-type': internalCachingType,
  'downstream-caching-type': orExpression(z.enum(['none', 'private', 'public']), 'string')
    .default('none')
    .describe('Cache-Control the gateway allows clients and proxies: none, private, or public.'),
  'must-revalidate': orExpression(z.boolean(), 'bool')
    .default(true)
    .describe('Add must-revalidate to Cache-Control when downstream caching is allowed.'),
  'allow-private-response-caching': orExpression(z.boolean(), 'bool')
    .default(false)
    .describe('Also cache requests carrying an Authorization header (add Authorization to vary-by-header).'),
  'vary-by-header': z.array(headerName).optional().describe('Keep separate entries per value of these headers.'),
  'vary-by-query-parameter': z
    .array(queryParameterName)
    .optional()
    .describe('Keep separate entries per value of these query parameters.'),
}).meta({ description: 'Answers from the response cache when a fresh entry exists (GET only).' });

export type CacheLookupConfig = z.infer<typeof cacheLookupSchema>;
