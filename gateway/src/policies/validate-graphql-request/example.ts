import type { z } from 'zod';
import type { validateGraphqlRequestSchema } from './schema.js';

/** A realistic validate-graphql-request config: documentation for authors, a fixture for the tests. */
export const validateGraphqlRequestExample = {
  'error-variable-name': 'graphqlErrors',
  'max-size': 102400,
  'max-depth': 8,
  authorize: [
    {
      path: '/__*',
      action: 'reject',
    },
    {
      path: '/Mutation/deleteUser',
      action: '@("admins" in user.groups ? "allow" : "reject")',
    },
  ],
} satisfies z.input<typeof validateGraphqlRequestSchema>;
