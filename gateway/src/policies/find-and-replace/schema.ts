import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject } from '../fields.js';

/**
 * find-and-replace: replaces every occurrence of a string in the body (plain text, not a regex).
 *
 * @example { "find-and-replace": { "from": "internal.example.local", "to": "api.example.com" } }
 */
export const findAndReplaceSchema = configObject({
  from: orExpression(z.string().min(1), 'string').describe('Text to find.'),
  to: orExpression(z.string(), 'string').describe('Replacement text.'),
}).meta({ description: 'Replaces every occurrence of a string in the request or response body.' });

export type FindAndReplaceConfig = z.infer<typeof findAndReplaceSchema>;
