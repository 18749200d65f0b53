import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, httpMethod, httpUrl, oneOf, variableName } from '../fields.js';
import { setBodySchema } from '../set-body/schema.js';
import { setHeaderSchema } from '../set-header/schema.js';

const SSRF_NOTE =
  'The URL may be computed per request, so every call goes through the gateway SSRF guard (DESIGN §11): ' +
  'the address the host resolves to is checked against loopback, link-local, private and metadata ranges ' +
  "unless the gateway's allow-list admits it, and redirects are not followed.";

/**
 * send-request: calls another service during the request (token introspection, enrichment…)
 * and keeps its response in a variable. The target can point anywhere, so calls pass the SSRF
 * guard.
 *
 * @example { "send-request": { "response-variable-name": "introspection", "timeout": 5, "set-url": "https://auth.example.com/introspect", "set-method": "POST", "set-header": [{ "name": "content-type", "value": ["application/x-www-form-urlencoded"] }], "set-body": { "value": "@(\"token=\" + string(variables.token))" } } }
 */
export const sendRequestSchema = configObject({
  mode: z.enum(['new', 'copy']).default('new').describe('Start from an empty request, or from a copy of the current one.'),
  'response-variable-name': variableName.describe('Variable receiving the response.'),
  timeout: orExpression(z.number().int().min(1).max(240), 'int').default(60).describe('Seconds before the call fails (1–240).'),
  'ignore-error': z
    .boolean()
    .default(false)
    .describe('On failure, leave the response variable null instead of running on-error.'),
  'set-url': orExpression(httpUrl, 'string').optional().describe(`URL to call. ${SSRF_NOTE}`),
  'set-method': orExpression(httpMethod, 'string').optional().describe('HTTP method.'),
  'set-header': z.array(setHeaderSchema).optional().describe('Headers of the request.'),
  'set-body': setBodySchema.optional().describe('Body of the request.'),
  'authentication-certificate': configObject({
    'certificate-id': z.string().min(1).optional().describe('Id of an uploaded client certificate.'),
    thumbprint: z
      .string()
      .regex(/^[0-9A-Fa-f]{40}$/)
      .optional()
      .describe('SHA-1 thumbprint of an uploaded client certificate.'),
  })
    .check(oneOf(['certificate-id', 'thumbprint'], true))
    .optional()
    .describe('Client certificate for mutual TLS.'),
})
  .check((payload) => {
    // A new request has nothing to inherit: it needs its own target (Azure makes both required then).
    if (payload.value.mode !== 'new') return;
    for (const key of ['set-url', 'set-method'] as const) {
      if (payload.value[key] === undefined) {
        payload.issues.push({
          code: 'custom',
          message: `'${key}' is required when mode is 'new'`,
          input: payload.value,
          path: [key],
        });
      }
    }
  })
  .meta({ description: `Sends a request to another service and stores the response in a variable. ${SSRF_NOTE}` });

export type SendRequestConfig = z.infer<typeof sendRequestSchema>;
