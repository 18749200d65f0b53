import { z } from 'zod';
import { nameOrId, requireNameOrId } from '../api-scope.js';
import { configObject, positiveInteger, seconds } from '../fields.js';

export const quotaPeriod = seconds.describe('Period in seconds after which the quota resets; 0 means it never resets.');

export const quotaAmounts = {
  calls: positiveInteger.optional().describe('Calls allowed per period.'),
  bandwidth: positiveInteger.optional().describe('Kilobytes (request and response bodies) allowed per period.'),
};

/** At least one of calls and bandwidth, else the quota limits nothing. */
export function requireAmount(payload: z.core.ParsePayload<{ calls?: unknown; bandwidth?: unknown }>): void {
  if (payload.value.calls === undefined && payload.value.bandwidth === undefined) {
    payload.issues.push({ code: 'custom', message: "set 'calls', 'bandwidth' or both", input: payload.value });
  }
}

const operationQuota = configObject({ ...nameOrId, ...quotaAmounts, 'renewal-period': quotaPeriod })
  .check(requireAmount)
  .check(requireNameOrId);

const apiQuota = configObject({
  ...nameOrId,
  ...quotaAmounts,
  'renewal-period': quotaPeriod,
  operation: z.array(operationQuota).optional().describe('Tighter quotas for operations of this API.'),
})
  .check(requireAmount)
  .check(requireNameOrId);

/**
 * quota: calls and/or bandwidth per subscription per period, counted fleet-wide (DESIGN §7);
 * over it, 403. Azure allows no expressions here.
 *
 * @example { "quota": { "calls": 10000, "renewal-period": 86400 } }
 */
export const quotaSchema = configObject({
  ...quotaAmounts,
  'renewal-period': quotaPeriod,
  api: z.array(apiQuota).optional().describe('Tighter quotas for given APIs (and their operations).'),
})
  .check(requireAmount)
  .meta({ description: 'Caps calls and/or bandwidth per subscription over a period, across the whole fleet; 403 beyond it.' });

export type QuotaConfig = z.infer<typeof quotaSchema>;
