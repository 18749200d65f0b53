import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject } from '../fields.js';

/**
 * authentication-basic: authenticates the gateway to the backend with HTTP Basic credentials
 * (sets the Authorization header of the backend request).
 *
 * @example { "authentication-basic": { "username": "gateway", "password": "{{backend-password}}" } }
 */
export const authenticationBasicSchema = configObject({
  // RFC 7617 §2: the user-id cannot contain a colon; it would be read as the separator.
  username: orExpression(
    z
      .string()
      .min(1)
      .regex(/^[^:]*$/, { error: 'a Basic user name cannot contain ":"' }),
    'string',
  ).describe('User name.'),
  password: orExpression(z.string(), 'string').describe('Password; keep it in a secret named value.'),
}).meta({ description: 'Adds HTTP Basic credentials to the backend request.' });

export type AuthenticationBasicConfig = z.infer<typeof authenticationBasicSchema>;
