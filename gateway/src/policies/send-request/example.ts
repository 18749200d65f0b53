import type { z } from 'zod';
import type { sendRequestSchema } from './schema.js';

/** A realistic send-request config: documentation for authors, a fixture for the tests. */
export const sendRequestExample = {
  mode: 'new',
  'response-variable-name': 'introspection',
  timeout: 5,
  'ignore-error': false,
  'set-url': 'https://auth.example.com/oauth2/introspect',
  'set-method': 'POST',
  'set-header': [
    {
      name: 'content-type',
      'exists-action': 'override',
      value: ['application/x-www-form-urlencoded'],
    },
  ],
  'set-body': {
    value: '@("token=" + string(variables.token))',
  },
} satisfies z.input<typeof sendRequestSchema>;
