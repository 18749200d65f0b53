import { z } from 'zod';
import { configObject } from '../fields.js';

/**
 * json-to-xml: converts a JSON body to XML.
 *
 * @example { "json-to-xml": { "apply": "content-type-json", "consider-accept-header": false } }
 */
export const jsonToXmlSchema = configObject({
  apply: z.enum(['always', 'content-type-json']).describe('Convert every body, or only those whose Content-Type is JSON.'),
  'consider-accept-header': z.boolean().default(true).describe('Convert only when the caller accepts XML (Accept header).'),
  'parse-date': z.boolean().default(true).describe('Turn date-like strings into XML dates.'),
  'namespace-separator': z
    .string()
    .length(1)
    .optional()
    .describe('Character that separates a namespace prefix in JSON property names.'),
  'namespace-prefix': z.string().min(1).optional().describe('Property-name prefix that declares a namespace.'),
  'attribute-block-name': z
    .string()
    .min(1)
    .optional()
    .describe('Property whose members become XML attributes of the enclosing element.'),
}).meta({ description: 'Converts a JSON request or response body to XML.' });

export type JsonToXmlConfig = z.infer<typeof jsonToXmlSchema>;
