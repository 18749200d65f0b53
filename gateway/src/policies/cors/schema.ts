import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, headerName, httpMethod } from '../fields.js';

// An origin is scheme://host[:port]; Azure's examples end it with '/', which is accepted.
const origin = z.string().refine(
  (value) => {
    if (value === '*') return true;
    try {
      const url = new URL(value);
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.pathname === '/' &&
        !url.search &&
        !url.hash &&
        !url.username &&
        value.replace(/\/$/, '') === url.origin
      );
    } catch {
      return false;
    }
  },
  { error: "expected '*' or an origin such as https://app.example.com (scheme, host and optional port, no path)" },
);

/**
 * cors: answers preflight requests and adds CORS headers for the allowed origins.
 *
 * @example { "cors": { "allowed-origins": ["https://portal.example.com"], "allowed-methods": ["GET", "POST"], "allowed-headers": ["content-type"] } }
 */
export const corsSchema = configObject({
  'allow-credentials': orExpression(z.boolean(), 'bool')
    .default(false)
    .describe('Send Access-Control-Allow-Credentials: true, letting browsers include cookies and credentials.'),
  'terminate-unmatched-request': orExpression(z.boolean(), 'bool')
    .default(true)
    .describe('End cross-origin requests that match no rule with an empty 200 instead of passing them on.'),
  'allowed-origins': z
    .array(origin)
    .min(1)
    .describe("Origins allowed to call: either the single value '*', or one or more origins."),
  // Azure nests this under <allowed-methods> as an attribute; a flat key reads better in JSON/YAML.
  'preflight-result-max-age': orExpression(z.number().int().nonnegative(), 'int')
    .optional()
    .describe('Seconds browsers may cache a preflight answer (Access-Control-Max-Age).'),
  'allowed-methods': z
    .array(z.union([z.literal('*'), httpMethod]))
    .min(1)
    .optional()
    .describe("Methods allowed in cross-origin requests, or '*'; GET and POST when omitted."),
  'allowed-headers': z
    .array(z.union([z.literal('*'), headerName]))
    .min(1)
    .optional()
    .describe("Request headers a cross-origin request may send, or '*'."),
  'expose-headers': z.array(headerName).min(1).optional().describe('Response headers scripts may read.'),
})
  .check((payload) => {
    const origins = payload.value['allowed-origins'];
    if (origins.includes('*') && origins.length > 1) {
      payload.issues.push({
        code: 'custom',
        message: "'*' must be the only allowed origin",
        input: origins,
        path: ['allowed-origins'],
      });
    }
    for (const key of ['allowed-methods', 'allowed-headers'] as const) {
      const list = payload.value[key];
      if (list !== undefined && list.includes('*') && list.length > 1) {
        payload.issues.push({ code: 'custom', message: `'*' must be the only item of ${key}`, input: list, path: [key] });
      }
    }
    // The Fetch standard refuses a wildcard origin on credentialed requests: browsers would fail every call.
    if (origins.includes('*') && payload.value['allow-credentials'] === true) {
      payload.issues.push({
        code: 'custom',
        message: "allow-credentials cannot be used with the '*' origin; list the origins",
        input: origins,
        path: ['allowed-origins'],
      });
    }
  })
  .meta({ description: 'Cross-origin resource sharing: answers preflights and adds CORS headers for allowed origins.' });

export type CorsConfig = z.infer<typeof corsSchema>;
