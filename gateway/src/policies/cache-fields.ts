import { cachingType } from './fields.js';

/**
 * caching-type as a Portico gateway serves it: its own cache only. `prefer-external` (Azure's
 * default) falls back to it, as in Azure without an external cache; `external` is refused at
 * write time rather than silently served from memory.
 */
export const internalCachingType = cachingType.refine((value) => value !== 'external', {
  error: "an external cache is not available on Portico gateways: use 'internal' or 'prefer-external'",
});
