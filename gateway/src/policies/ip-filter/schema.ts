import { isIP } from 'node:net';
import { z } from 'zod';
import { configObject } from '../fields.js';
import { ipToBigInt } from './ip-address.js';

const ipAddress = z.string().refine((value) => isIP(value) !== 0, { error: 'expected an IPv4 or IPv6 address' });

const addressRange = configObject({
  from: ipAddress.describe('First address of the range.'),
  to: ipAddress.describe('Last address of the range (inclusive).'),
}).check((payload) => {
  const from = ipToBigInt(payload.value.from);
  const to = ipToBigInt(payload.value.to);
  if (!from || !to) return;
  if (from.family !== to.family) {
    payload.issues.push({ code: 'custom', message: "'from' and 'to' must be of the same IP version", input: payload.value });
  } else if (from.value > to.value) {
    payload.issues.push({ code: 'custom', message: "'from' must not come after 'to'", input: payload.value });
  }
});

/**
 * ip-filter: allows or forbids callers by client IP address.
 *
 * @example { "ip-filter": { "action": "allow", "address": ["203.0.113.7"], "address-range": [{ "from": "10.0.0.0", "to": "10.0.255.255" }] } }
 */
export const ipFilterSchema = configObject({
  action: z.enum(['allow', 'forbid']).describe('Whether the listed addresses are the only ones allowed, or are refused.'),
  address: z.array(ipAddress).optional().describe('Single addresses.'),
  'address-range': z.array(addressRange).optional().describe('Inclusive address ranges.'),
})
  .check((payload) => {
    if (!payload.value.address?.length && !payload.value['address-range']?.length) {
      payload.issues.push({ code: 'custom', message: "list at least one 'address' or 'address-range'", input: payload.value });
    }
  })
  .meta({ description: 'Allows or forbids calls by the client IP address (403 when refused).' });

export type IpFilterConfig = z.infer<typeof ipFilterSchema>;
