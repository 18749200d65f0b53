import { z } from 'zod';
import { nameOrId, requireNameOrId } from '../api-scope.js';
import { configObject, headerName, positiveInteger, variableName } from '../fields.js';

// Azure caps a rate-limit window at 300 s; longer windows are what quotas are for.
export const renewalPeriod = z
  .number()
  .int()
  .min(1)
  .max(300)
  .describe('Window length in seconds (1–300); the count restarts when it ends.');

const calls = positiveInteger.describe('Calls allowed per window.');

/** Headers and variables that report the limit's state; shared with rate-limit-by-key. */
export const rateLimitReporting = {
  'retry-after-header-name': headerName.optional().describe('Response header for the seconds to wait, on 429.'),
  'retry-after-variable-name': variableName.optional().describe('Variable receiving the seconds to wait, on 429.'),
  'remaining-calls-header-name': headerName.optional().describe('Response header for the calls left in the window.'),
  'remaining-calls-variable-name': variableName.optional().describe('Variable receiving the calls left in the window.'),
  'total-calls-header-name': headerName.optional().describe('Response header for the limit itself.'),
};

const operationLimit = configObject({ ...nameOrId, calls, 'renewal-period': renewalPeriod }).check(requireNameOrId);

const apiLimit = configObject({
  ...nameOrId,
  calls,
  'renewal-period': renewalPeriod,
  operation: z.array(operationLimit).optional().describe('Tighter limits for operations of this API.'),
}).check(requireNameOrId);

/**
 * rate-limit: at most `calls` calls per subscription per window, exact per gateway instance
 * (DESIGN §7); over it, 429 with Retry-After. Azure allows no expressions here.
 *
 * @example { "rate-limit": { "calls": 100, "renewal-period": 60, "remaining-calls-header-name": "x-ratelimit-remaining" } }
 */
export const rateLimitSchema = configObject({
  calls,
  'renewal-period': renewalPeriod,
  ...rateLimitReporting,
  api: z.array(apiLimit).optional().describe('Tighter limits for given APIs (and their operations).'),
}).meta({ description: 'Limits calls per subscription to a number per time window; answers 429 beyond it.' });

export type RateLimitConfig = z.infer<typeof rateLimitSchema>;
