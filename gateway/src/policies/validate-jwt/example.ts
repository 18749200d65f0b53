import type { z } from 'zod';
import type { validateJwtSchema } from './schema.js';

/** A realistic validate-jwt config: documentation for authors, a fixture for the tests. */
export const validateJwtExample = {
  'header-name': 'Authorization',
  'require-scheme': 'Bearer',
  'failed-validation-httpcode': 401,
  'failed-validation-error-message': 'Unauthorized: invalid or missing token',
  'output-token-variable-name': 'token',
  'openid-config': [
    {
      url: 'https://login.example.com/tenant-a/v2.0/.well-known/openid-configuration',
    },
  ],
  audiences: ['api://orders'],
  issuers: ['https://login.example.com/tenant-a/v2.0'],
  'required-claims': [
    {
      name: 'scp',
      match: 'any',
      separator: ' ',
      value: ['orders.read', 'orders.write'],
    },
  ],
} satisfies z.input<typeof validateJwtSchema>;
