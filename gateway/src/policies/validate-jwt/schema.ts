import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import {
  configObject,
  headerName,
  httpStatusCode,
  httpsUrl,
  oneOf,
  queryParameterName,
  seconds,
  variableName,
} from '../fields.js';

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

// A key's bytes in base64, or a {{named value}} holding them (checked when the gateway compiles it).
const base64Key = z
  .string()
  .min(1)
  .refine((value) => value.includes('{{') || /^[A-Za-z0-9+/]+={0,2}$/.test(value), {
    error: 'expected the key in base64, or a {{named value}} holding it',
  });

// Azure's <key>: a base64 symmetric key (element text), a certificate, or an RSA modulus and exponent.
const signingKey = configObject({
  id: z.string().min(1).optional().describe("Key id, matched against the token's kid header."),
  value: base64Key.optional().describe('Base64 symmetric (HMAC) key; usually a secret named value.'),
  'certificate-id': z.string().min(1).optional().describe('Id of an uploaded certificate whose public key verifies.'),
  n: z.string().regex(BASE64URL).optional().describe('RSA modulus, base64url.'),
  e: z.string().regex(BASE64URL).optional().describe('RSA exponent, base64url.'),
}).check((payload) => {
  const key = payload.value;
  const forms = [key.value !== undefined, key['certificate-id'] !== undefined, key.n !== undefined || key.e !== undefined];
  if (forms.filter(Boolean).length !== 1 || (forms[2] && (key.n === undefined || key.e === undefined))) {
    payload.issues.push({
      code: 'custom',
      message: "give the key as exactly one of 'value', 'certificate-id', or 'n' with 'e'",
      input: key,
    });
  }
});

const decryptionKey = configObject({
  id: z.string().min(1).optional().describe("Key id, matched against the token's kid header."),
  value: base64Key.optional().describe('Base64 symmetric key; usually a secret named value.'),
  'certificate-id': z.string().min(1).optional().describe('Id of an uploaded certificate whose private key decrypts.'),
}).check(oneOf(['value', 'certificate-id'], true));

const requiredClaim = configObject({
  name: z.string().min(1).describe('Claim name.'),
  match: z.enum(['all', 'any']).default('all').describe('Whether the claim must hold all the values or any one of them.'),
  separator: z.string().min(1).optional().describe('Splits a multi-valued claim held as one string ("read write").'),
  value: z.array(z.string()).optional().describe('Expected values; when omitted, the claim only has to be present.'),
});

/**
 * validate-jwt: requires a valid JWT — signature, lifetime, audience, issuer and claims — taken
 * from a header, a query parameter or an expression; 401 otherwise. Its claims become `jwt`.
 *
 * @example { "validate-jwt": { "header-name": "Authorization", "require-scheme": "Bearer", "openid-config": [{ "url": "https://login.example.com/.well-known/openid-configuration" }], "audiences": ["api://orders"] } }
 */
export const validateJwtSchema = configObject({
  'header-name': headerName.optional().describe('Header holding the token.'),
  'query-parameter-name': queryParameterName.optional().describe('Query parameter holding the token.'),
  'token-value': orExpression(z.string().min(1), 'string').optional().describe('The token itself, usually an expression.'),
  'failed-validation-httpcode': httpStatusCode.default(401).describe('Status returned when validation fails.'),
  'failed-validation-error-message': orExpression(z.string(), 'string')
    .optional()
    .describe('Message returned in the error body when validation fails.'),
  'require-expiration-time': z.boolean().default(true).describe('Refuse tokens without an exp claim.'),
  'require-scheme': z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9._~+/-]*$/)
    .optional()
    .describe('Authorization scheme the header value must start with, such as Bearer.'),
  'require-signed-tokens': z.boolean().default(true).describe('Refuse unsigned (alg "none") tokens.'),
  'clock-skew': seconds.default(0).describe('Seconds of clock difference tolerated on exp and nbf.'),
  'output-token-variable-name': variableName.optional().describe('Variable receiving the validated token.'),
  'openid-config': z
    .array(configObject({ url: httpsUrl.describe('OpenID Connect discovery document URL.') }))
    .min(1)
    .optional()
    .describe('Discovery documents giving the signing keys (and issuer); keys are refreshed as they rotate.'),
  'issuer-signing-keys': z.array(signingKey).min(1).optional().describe('Keys that verify the signature.'),
  'decryption-keys': z.array(decryptionKey).min(1).optional().describe('Keys that decrypt encrypted tokens (JWE).'),
  audiences: z
    .array(orExpression(z.string().min(1), 'string'))
    .min(1)
    .optional()
    .describe('Accepted aud values; any one must match.'),
  issuers: z.array(z.string().min(1)).min(1).optional().describe('Accepted iss values; any one must match.'),
  'required-claims': z.array(requiredClaim).min(1).optional().describe('Claims the token must carry.'),
})
  .check(oneOf(['header-name', 'query-parameter-name', 'token-value'], true))
  .check((payload) => {
    const config = payload.value;
    // The scheme is the first word of an Authorization-style header; a query parameter has none.
    if (config['require-scheme'] !== undefined && config['header-name'] === undefined) {
      payload.issues.push({
        code: 'custom',
        message: "'require-scheme' applies to a token read from a header: set 'header-name'",
        input: config['require-scheme'],
        path: ['require-scheme'],
      });
    }
    if (config['require-signed-tokens'] && !config['openid-config'] && !config['issuer-signing-keys']) {
      payload.issues.push({
        code: 'custom',
        message: "signed tokens are required but no 'openid-config' or 'issuer-signing-keys' says which keys to trust",
        input: config,
      });
    }
  })
  .meta({ description: 'Requires a valid JSON web token (signature, lifetime, audience, issuer, claims); 401 otherwise.' });

export type ValidateJwtConfig = z.infer<typeof validateJwtSchema>;
