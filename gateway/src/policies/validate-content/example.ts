import type { z } from 'zod';
import type { validateContentSchema } from './schema.js';

/** A realistic validate-content config: documentation for authors, a fixture for the tests. */
export const validateContentExample = {
  'unspecified-content-type-action': 'prevent',
  'max-size': 102400,
  'size-exceeded-action': 'prevent',
  'errors-variable-name': 'bodyErrors',
  'content-type-map': {
    'missing-content-type-value': 'application/json',
    type: [
      {
        from: 'application/hal+json',
        to: 'application/json',
      },
    ],
  },
  content: [
    {
      type: 'application/json',
      'validate-as': 'json',
      action: 'detect',
      'allow-additional-properties': false,
    },
  ],
} satisfies z.input<typeof validateContentSchema>;
