import type { z } from 'zod';
import type { setQueryParameterSchema } from './schema.js';

/** A realistic set-query-parameter config: documentation for authors, a fixture for the tests. */
export const setQueryParameterExample = {
  name: 'api-version',
  'exists-action': 'skip',
  value: ['2024-06-01'],
} satisfies z.input<typeof setQueryParameterSchema>;
