import { z } from 'zod';
import { configObject } from '../fields.js';

/**
 * xml-to-json: converts an XML body to JSON.
 *
 * @example { "xml-to-json": { "kind": "javascript-friendly", "apply": "content-type-xml" } }
 */
export const xmlToJsonSchema = configObject({
  kind: z
    .enum(['javascript-friendly', 'direct'])
    .describe('javascript-friendly: easy to consume JSON; direct: a lossless mapping of the XML.'),
  apply: z.enum(['always', 'content-type-xml']).describe('Convert every body, or only those whose Content-Type is XML.'),
  'consider-accept-header': z.boolean().default(true).describe('Convert only when the caller accepts JSON (Accept header).'),
  'always-array-child-elements': z
    .boolean()
    .default(false)
    .describe('Make every child element an array, even when it occurs once.'),
}).meta({ description: 'Converts an XML request or response body to JSON.' });

export type XmlToJsonConfig = z.infer<typeof xmlToJsonSchema>;
