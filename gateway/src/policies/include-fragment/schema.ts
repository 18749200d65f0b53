import { z } from 'zod';
import { configObject } from '../fields.js';

/**
 * include-fragment: inserts a named policy fragment — a reusable statement list — at this point.
 *
 * @example { "include-fragment": { "fragment-id": "forward-with-retry" } }
 */
export const includeFragmentSchema = configObject({
  'fragment-id': z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/, { error: 'expected a fragment id: letters, digits, _ and -, at most 80' })
    .describe('Id of the fragment to insert.'),
}).meta({ description: 'Inserts the statements of a named policy fragment.' });

export type IncludeFragmentConfig = z.infer<typeof includeFragmentSchema>;
